/** Execution functions (`salt TARGET mod.fun args`), their registry, and the masterless call environment. */
export * from './types';
export { lookupFunction, listFunctions, templateSalt } from './registry';
export { runCompiled, makeRenderer, slsList } from './state';
export * from './local';
export { loadExtensions, minionGrains, customGrains, syncKind, extmodsDir, EXT_KINDS, type ExtKind, type CustomExecModule, type CustomStateModule, type CustomGrainsModule } from './extensions';
export { registerCustomModules } from './registry';
