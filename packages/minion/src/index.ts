export { Minion } from './daemon';
export { Connection, type AuthState } from './connection';
export { MinionCore } from './core';
export { JobRunner, type JobOutcome } from './jobrunner';
export { FileCache } from './filesync';
export { MineCache } from './mine';
export { parseMineFunctions, MineReporter } from './mine-reporter';
export { parseSchedule, Scheduler, scheduleJid } from './scheduler';
export { Backoff } from './backoff';
