/**
 * The CLI side of the master's control channel: the typed client of @brine/protocol (packages/protocol/src/control),
 * `request(op, body)` resolving to that operation's reply, validated.
 */
import { loadMasterOpts } from '@brine/config';
import { ControlClient } from '@brine/protocol';

export { ControlClient, MasterLost, MasterUnavailable } from '@brine/protocol';

/** A client for the master of the configuration directory `configDir`. */
export function controlClient(configDir: string): ControlClient {
  return new ControlClient(loadMasterOpts(configDir).sock_dir);
}
