export { main, buildProgram } from './main';
export { EXIT } from './exit';
export { parseFunctionArgs } from './args';
export * from './output';
export * from './fleet';
