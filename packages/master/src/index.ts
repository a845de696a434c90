export * from './config';
export * from './keys';
export * from './jobcache';
export * from './control';
