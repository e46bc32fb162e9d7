// yaml, as the stack-file reader imports it. `npm run build` replaces this module's compiled file
// with a single-file build of the package (lib/vendor/bundle.ts): the package's 72 files load in
// several times the time one file does, and every plan pays that on start-up.
export * from "yaml";
