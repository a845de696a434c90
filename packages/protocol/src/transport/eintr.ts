/**
 * libzmq's connect, setsockopt and socket monitor can fail with EINTR when a signal arrives while they wait on the
 * socket's command queue (a child exiting, a profiler): nothing was done, and the call is to be made again. Left
 * alone, the error ended a minion starting or replacing a socket.
 */

/** Times a call is made again after EINTR before the error is let through. */
export const EINTR_RETRIES = 100;

export function retryEintr<T>(f: () => T): T {
  for (let i = 0; ; i++) {
    try {
      return f();
    } catch (e) {
      if ((e as { code?: unknown })?.code !== 'EINTR' || i >= EINTR_RETRIES) throw e;
    }
  }
}
