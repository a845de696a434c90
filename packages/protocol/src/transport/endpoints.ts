/** ZeroMQ endpoint strings and publication topics. */

/** `tcp://host:port`, bracketing IPv6 literals; port 0 becomes `*` (the OS picks one; read it back after bind). */
export function tcpEndpoint(host: string, port: number): string {
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `tcp://${h}:${port === 0 ? '*' : String(port)}`;
}

/** True for an IPv6 literal (with or without brackets). */
export function isIpv6Host(host: string): boolean {
  return host.includes(':');
}

/** The port of a bound endpoint such as `tcp://[::]:4506` or `tcp://0.0.0.0:4505`. */
export function endpointPort(endpoint: string): number {
  const m = /:(\d+)$/.exec(endpoint);
  if (!m) throw new Error(`endpoint '${endpoint}': no port`);
  return Number(m[1]);
}

/**
 * Publication topics (the first frame of every PUB message). Every minion subscribes to the broadcast topic
 * and to its own; `minionTopic` ends in NUL (never part of an id) so that `web1` does not prefix-match `web10`.
 */
export const BROADCAST_TOPIC = '*';

export function minionTopic(id: string): string {
  return `m:${id}\0`;
}

/** The minion id of a `minionTopic`, or undefined for any other topic. */
export function topicMinion(topic: string): string | undefined {
  return topic.startsWith('m:') && topic.endsWith('\0') ? topic.slice(2, -1) : undefined;
}
