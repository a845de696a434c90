/**
 * The master's end of the operator's control channel: the typed transport of @brine/protocol (an IPC ROUTER in
 * `sock_dir`, with a token) serving the handlers of operator.ts.
 */
import type { Logger } from '@brine/core';
import { ControlServer } from '@brine/protocol';
import { controlHandlers } from './operator';
import type { Master } from './server';

export { controlPaths } from '@brine/protocol';

export async function startControl(m: Master, sockDir: string, log: Logger): Promise<ControlServer> {
  const server = new ControlServer(sockDir, log, controlHandlers(m));
  await server.start();
  return server;
}
