// The file of the module that calls this, in CommonJS: the CJS build, and Jest. The ESM build
// compiles module-file.esm.ts in its place (tsup.config.ts), since `import.meta` does not parse in
// CommonJS and tsup's own __filename shim would put node:path into a chunk the browser entry shares.
export const moduleFile = (): string => __filename;
