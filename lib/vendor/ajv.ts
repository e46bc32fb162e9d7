// ajv, as the plan-file and policy-config readers load it. `npm run build` replaces this module's
// compiled file with a single-file build of the package (lib/vendor/bundle.ts), which loads in a
// fraction of the time of the package's 63 files.
export { default } from "ajv";
