/** Execution functions (`salt TARGET mod.fun args`), their registry, and the masterless call environment. */
export * from './types';
export { lookupFunction, listFunctions, templateSalt } from './registry';
export { runCompiled, makeRenderer, slsList } from './state';
export * from './local';
