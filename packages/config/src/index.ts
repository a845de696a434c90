export * from './minion';
export * from './master';
