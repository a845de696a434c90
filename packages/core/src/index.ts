export * from './errors';
export * from './state';
export * from './logger';
export * from './data';
export * from './target';
export * from './fileroots';
export * from './yaml-tags';
export * from './fsutil';
