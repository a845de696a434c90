/** Exit codes scripts can rely on. The CLI is the only place that maps errors to them. */
export const EXIT = {
  ok: 0,
  /** Compile/render error, bad usage, configuration error. */
  error: 1,
  /** A state failed, or a function returned failure. */
  failed: 2,
  /** Some expected minions did not return. */
  noReturn: 3,
} as const;
