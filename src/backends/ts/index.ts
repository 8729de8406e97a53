/** The TypeScript source backend (`tfmc compile --target ts`): readable code that computes what the in-memory model computes. */
export { generateModelSource, generateTsProject, moduleFileName, PRETTIER_OPTIONS, type TsTargetOptions } from './generate.js';
export { emitModel, EmitError, type EmitOptions, type EmittedModule } from './emit.js';
