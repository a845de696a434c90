/** Runner functions (`brine runner FUN`, like salt-run): run on the master, with the master's state at hand. */
import type { Dict, Logger } from '@brine/core';
import type { Master } from '../server';

export interface RunnerContext {
  master: Master;
  log: Logger;
  /** Streams progress to the caller (an orchestrate step's output, an event); optional. */
  progress?: (data: Dict) => void;
  /** Aborted when the caller goes away or asks to stop. */
  signal?: AbortSignal;
}

export type RunnerFn = (args: unknown[], kwargs: Dict, ctx: RunnerContext) => Promise<unknown> | unknown;

export type RunnerModule = Record<string, RunnerFn>;
