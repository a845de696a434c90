export { loadMasterOpts, type MasterOpts } from '@brine/config';
export * from './keys';
export * from './jobcache';
export * from './control';
export * from './server';
export * from './registry';
export * from './mine';
export * from './fileserver';
