/**
 * Exit codes scripts can rely on, and the only place that makes them: every other package reports an `Outcome`
 * (@brine/core), carried from the engine through the minion's return; the CLI maps it here.
 */
import { BrineError, worseOutcome, type Outcome } from '@brine/core';

export const EXIT = {
  ok: 0,
  /** Compile/render error, bad usage, configuration error, a function that failed (a command exiting non-zero). */
  error: 1,
  /** A state failed, or the run could not be carried out on the minion (e.g. its disk is full). */
  failed: 2,
  /** Some expected minions did not return (or the master went away before they did). */
  noReturn: 3,
} as const;

const CODES: Record<Outcome, number> = { ok: EXIT.ok, error: EXIT.error, failed: EXIT.failed, missing: EXIT.noReturn };

export function exitCode(outcome: Outcome): number {
  return CODES[outcome];
}

/** The exit code for an error that ended a command. */
export function exitCodeOf(e: unknown): number {
  return exitCode(e instanceof BrineError ? e.outcome : 'error');
}

/** A return's outcome as the master relays it (one recorded before outcomes existed: by its success flag). */
export function returnOutcome(r: { outcome?: unknown; success?: unknown }): Outcome {
  return r.outcome === 'ok' || r.outcome === 'error' || r.outcome === 'failed' ? r.outcome : r.success === false ? 'error' : 'ok';
}

export { worseOutcome };
