/**
 * libzmq's connect, setsockopt and socket monitor can fail with EINTR when a signal arrives while they wait on the
 * socket's command queue (a child exiting, a profiler): nothing was done, and the call is to be made again. Left
 * alone, the error ended a minion starting or replacing a socket.
 */

/** Times a call is made again after EINTR before the error is let through. */
export const EINTR_RETRIES = 100;

export function retryEintr<T>(f: () => T, also: readonly string[] = []): T {
  for (let i = 0; ; i++) {
    try {
      return f();
    } catch (e) {
      const code = (e as { code?: unknown })?.code;
      if ((code !== 'EINTR' && !also.includes(code as string)) || i >= EINTR_RETRIES) throw e;
    }
  }
}

/**
 * A socket's event monitor. zeromq.js names the monitor's inproc endpoint after the observer's memory address, and
 * libzmq unbinds the endpoint of a closed socket's monitor only later, on its reaper thread: a new observer that is
 * given the freed address finds the name still bound (EADDRINUSE; seen when a minion replaced its request socket
 * under load). The failed observer still holds its memory, so the next one is made at another address.
 */
export function socketEvents<T>(sock: { readonly events: T }): T {
  return retryEintr(() => sock.events, ['EADDRINUSE']);
}
