/** Master configuration: YAML at `<config-dir>/master` (default /etc/brine/master), Salt's key names. */
import * as os from 'os';
import * as path from 'path';
import { optionReaders, rootsOption } from './common';
import { ConfigError, isDict, type Dict } from '@brine/core';
import { readYamlConfig } from './minion';

export interface MasterOpts extends Dict {
  config_dir: string;
  interface: string;
  ipv6: boolean;
  publish_port: number;
  ret_port: number;
  pki_dir: string;
  cachedir: string;
  sock_dir: string;
  file_roots: Record<string, string[]>;
  pillar_roots: Record<string, string[]>;
  auto_accept: boolean;
  autosign_file: string;
  /** Hours a job stays in the job cache. */
  keep_jobs: number;
  nodegroups: Record<string, string | string[]>;
  log_file: string;
  log_level: string;
  /** Default seconds the CLI waits for returns. */
  timeout: number;
  max_message_size: number;
  /** Seconds a publication stays valid (minions drop older ones). */
  publish_ttl: number;
  /** Connections per port (publish, request); beyond it new ones are closed at once. */
  max_connections: number;
  zmq_backlog: number;
  /** Auth requests per second, overall and per connection (beyond: an unsigned `busy` answer). */
  auth_rate: number;
  auth_rate_per_peer: number;
  /** Liveness pings a second the master asks its minions to stay within (0: the minions' own `ping_interval`). */
  max_ping_rate: number;
  /** Pending keys held at most, and hours before an unaccepted pending key is forgotten. */
  max_pending_keys: number;
  pending_key_ttl: number;
  /** Log file size (bytes) at which it is rotated, and rotated files kept. */
  log_max_bytes: number;
  log_backups: number;
  /** Set: this master is one of a cluster sharing a PostgreSQL store (cluster/). */
  cluster: ClusterOpts | null;
  /**
   * Grains the operator pins per minion id or glob (`{'kdct*': {roles: [kdct]}}`): they override what the minion
   * reports wherever the master matches on grains (pillar, mine ACLs, expected minions, returns). Files
   * `<config_dir>/minion_grains/<id>.yaml` override these in turn.
   */
  minion_grains: Record<string, Dict>;
  /** Grains the master takes from pins only: a minion's own value for them is ignored (default `[roles]`). */
  minion_grains_only: string[];
  /** Bytes each minion may hold on the master's disk: its returns in the job cache, its mine data, its grains. */
  minion_quota_job_cache_bytes: number;
  minion_quota_mine_bytes: number;
  minion_quota_grains_bytes: number;
  /** Salt's reactor map: event tag globs to reactor SLS files (`salt://...` or paths), in config order. */
  reactor: ReactorEntry[];
  /** Reactions running at once, and reactions queued at most (beyond: dropped and logged), as Salt's. */
  reactor_worker_threads: number;
  reactor_worker_hwm: number;
  /** Loop guard: how deep a chain of reactions caused by reactions may go (independent events are never limited). */
  reactor_loop_limit: number;
  /** Port of the Prometheus endpoint (GET /metrics); 0 (the default) serves none. */
  metrics_port: number;
  /** Address it binds to (default 127.0.0.1: this host only). */
  metrics_host: string;
}

export interface ReactorEntry {
  /** The tag glob (fnmatch), e.g. `salt/beacon/<glob>/service/`. */
  tag: string;
  /** Reactor SLS files: `salt://reactor/x.sls`, or paths (relative ones against the config dir). */
  sls: string[];
}

/** `reactor: [{TAG-GLOB: [salt://reactor/heal.sls]}, ...]` (a single file may be a string). */
function reactorOption(v: unknown, dir: string): ReactorEntry[] {
  if (v === undefined || v === null) return [];
  const shape = "reactor: must be a list of {tag-glob: [reactor SLS files]}, e.g. [{'salt/beacon/*/service/': ['salt://reactor/heal.sls']}]";
  if (!Array.isArray(v)) throw new ConfigError(`${shape}; got ${JSON.stringify(v).slice(0, 200)}`);
  return v.map((e, i) => {
    if (!isDict(e) || Object.keys(e).length !== 1) throw new ConfigError(`${shape}; entry ${i + 1} is ${JSON.stringify(e).slice(0, 200)}`);
    const [tag, files] = Object.entries(e)[0]!;
    const list = Array.isArray(files) ? files : [files];
    if (!list.length || !list.every((f) => typeof f === 'string' && f !== '')) throw new ConfigError(`reactor: '${tag}' must map to reactor SLS files, got ${JSON.stringify(files)}`);
    return { tag, sls: (list as string[]).map((f) => (f.startsWith('salt://') ? f : path.resolve(dir, f))) };
  });
}

function minionGrainsOption(v: unknown): Record<string, Dict> {
  if (v === undefined || v === null) return {};
  if (!isDict(v)) throw new ConfigError("minion_grains: must map a minion id or glob to grains, e.g. {'web*': {roles: [web]}}");
  for (const [k, g] of Object.entries(v)) if (!isDict(g)) throw new ConfigError(`minion_grains: '${k}' must map to a mapping of grains, got ${JSON.stringify(g)}`);
  return v as Record<string, Dict>;
}

function stringListOption(v: unknown, dflt: string[], key: string): string[] {
  if (v === undefined || v === null) return dflt;
  const list = Array.isArray(v) ? v : [v];
  if (!list.every((x) => typeof x === 'string')) throw new ConfigError(`${key}: must be a list of names, got ${JSON.stringify(v)}`);
  return list as string[];
}


/** A master cluster sharing one PostgreSQL store (`cluster: {id, store, pki_dir, name}`); null when not set. */
export interface ClusterOpts {
  /** The cluster's name: every master of it gives the same. */
  id: string;
  /** `postgresql://user:password@host:port/db` (password may come from PGPASSWORD or ~/.pgpass). */
  store: string;
  /** Where the operator placed the cluster signing key (cluster.pem, cluster.pub), as Salt's `cluster_pki_dir`. */
  pki_dir: string;
  /** This master's name in the cluster (default: the host name and ret_port). */
  name: string;
}

function clusterOption(v: unknown, dir: string, retPort: number): ClusterOpts | null {
  if (v === undefined || v === null || v === false) return null;
  if (!isDict(v)) throw new ConfigError(`cluster: must be a mapping {id, store, pki_dir}, got ${JSON.stringify(v)}`);
  const c = v as Dict;
  for (const k of ['id', 'store']) if (typeof c[k] !== 'string' || !(c[k] as string).trim()) throw new ConfigError(`cluster.${k}: required (a non-empty string)`);
  for (const k of Object.keys(c)) if (!['id', 'store', 'pki_dir', 'name'].includes(k)) throw new ConfigError(`cluster.${k}: unknown option (known: id, store, pki_dir, name)`);
  const host = os.hostname();
  return {
    id: String(c['id']),
    store: String(c['store']),
    pki_dir: path.resolve(dir, String(c['pki_dir'] ?? path.join(dir, 'pki/cluster'))),
    name: String(c['name'] ?? `${host}:${retPort}`),
  };
}

export function loadMasterOpts(configDir = '/etc/brine', overrides: Dict = {}): MasterOpts {
  const dir = path.resolve(configDir);
  const raw = { ...readYamlConfig(path.join(dir, 'master')), ...overrides };
  const { path: p, num } = optionReaders(raw, dir);
  const ipv6 = Boolean(raw['ipv6'] ?? false);
  return {
    ...raw,
    config_dir: dir,
    interface: String(raw['interface'] ?? (ipv6 ? '::' : '0.0.0.0')),
    ipv6,
    publish_port: num('publish_port', 4505),
    ret_port: num('ret_port', 4506),
    pki_dir: p('pki_dir', path.join(dir, 'pki/master')),
    cachedir: p('cachedir', '/var/cache/brine/master'),
    sock_dir: p('sock_dir', '/run/brine/master'),
    file_roots: rootsOption(raw['file_roots'], ['/srv/salt'], dir, 'file_roots'),
    pillar_roots: rootsOption(raw['pillar_roots'], ['/srv/pillar'], dir, 'pillar_roots'),
    auto_accept: Boolean(raw['auto_accept'] ?? false),
    autosign_file: raw['autosign_file'] ? p('autosign_file', '') : '',
    keep_jobs: num('keep_jobs', 24),
    nodegroups: isDict(raw['nodegroups']) ? (raw['nodegroups'] as Record<string, string | string[]>) : {},
    log_file: p('log_file', '/var/log/brine/master'),
    log_level: String(raw['log_level'] ?? 'info'),
    timeout: num('timeout', 5),
    max_message_size: num('max_message_size', 16 * 1024 * 1024),
    publish_ttl: num('publish_ttl', 60),
    max_connections: num('max_connections', 10_000),
    zmq_backlog: num('zmq_backlog', 4096),
    auth_rate: num('auth_rate', 200),
    auth_rate_per_peer: num('auth_rate_per_peer', 5),
    max_ping_rate: num('max_ping_rate', 200),
    max_pending_keys: num('max_pending_keys', 1000),
    pending_key_ttl: num('pending_key_ttl', 24),
    log_max_bytes: num('log_max_bytes', 10 * 1024 * 1024),
    log_backups: num('log_backups', 5),
    minion_grains: minionGrainsOption(raw['minion_grains']),
    minion_grains_only: stringListOption(raw['minion_grains_only'], ['roles'], 'minion_grains_only'),
    minion_quota_job_cache_bytes: num('minion_quota_job_cache_bytes', 32 * 1024 * 1024),
    minion_quota_mine_bytes: num('minion_quota_mine_bytes', 4 * 1024 * 1024),
    minion_quota_grains_bytes: num('minion_quota_grains_bytes', 256 * 1024),
    reactor: reactorOption(raw['reactor'], dir),
    reactor_worker_threads: num('reactor_worker_threads', 10),
    reactor_worker_hwm: num('reactor_worker_hwm', 10000),
    reactor_loop_limit: num('reactor_loop_limit', 10),
    metrics_port: num('metrics_port', 0),
    metrics_host: String(raw['metrics_host'] ?? '127.0.0.1'),
    cluster: clusterOption(raw['cluster'], dir, num('ret_port', 4506)),
  };
}
