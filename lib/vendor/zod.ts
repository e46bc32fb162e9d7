// zod, as the config schema imports it. `npm run build` replaces this module's compiled file with a
// single-file build of the package (lib/vendor/bundle.ts): the package's 71 files load in about
// twice the time one file does, and every plan pays that on start-up.
export * from "zod";
