/**
 * Minion configuration: YAML at `<config-dir>/minion` (default /etc/brine/minion), Salt's key names.
 * Relative paths are resolved against the config directory, so a self-contained tree can live anywhere.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { optionReaders, rootsOption } from './common';
import { ConfigError, isDict, pyNumber, saltYamlTags, type Dict } from '@brine/core';

/** Options are JS numbers: an integer past 2^53 (kept exact for state data) is read as the nearest one here. */
function configNumber(v: number | bigint | string): number | string {
  return typeof v === 'bigint' ? Number(v) : v;
}
import { isScalar, parseDocument, visit } from 'yaml';

/** YAML read as Salt reads its configuration files (salt.utils.yaml.safe_load): PyYAML's tags and numbers. */
function parseSaltConfigYaml(text: string): unknown {
  const doc = parseDocument(text, { version: '1.1', customTags: (t) => saltYamlTags(t as { tag?: string; test?: RegExp }[]) as typeof t });
  if (doc.errors.length) throw doc.errors[0];
  visit(doc, {
    Scalar(_key, node) {
      const src = (node as { source?: string }).source;
      if (isScalar(node) && typeof node.value === 'number' && node.type === 'PLAIN' && src !== undefined) node.value = configNumber(pyNumber(src, node.value));
    },
  });
  return doc.toJS();
}

/** One master a minion may talk to: its host and its ret (request) port. */
export interface MasterAddress {
  host: string;
  port: number;
}

export interface MinionOpts extends Dict {
  id: string;
  config_dir: string;
  /** The (first) master's host; with a list, `masters` holds them all. */
  master: string;
  /** The (first) master's ret port. */
  master_port: number;
  /** Every master named by `master` (a string or a list), resolved, in the configured order. */
  masters: MasterAddress[];
  /** 'str': one master; 'failover': a list, one master at a time, the next when it stops answering. */
  master_type: 'str' | 'failover';
  /** Seconds without an answer from the current master before failing over (default 5 with a list; 0: single). */
  master_alive_interval: number;
  /** Shuffle the list at start (Salt's `master_shuffle`, newer `random_master`: either one turns it on). */
  master_shuffle: boolean;
  random_master: boolean;
  publish_port: number;
  /**
   * `publish_port` was set in the config: the minion subscribes there whatever the master says (a proxy or a port
   * forward between them). Unset, it follows the port each master names in its auth reply.
   */
  publish_port_set: boolean;
  ipv6: boolean;
  file_roots: Record<string, string[]>;
  pillar_roots: Record<string, string[]>;
  cachedir: string;
  pki_dir: string;
  log_file: string;
  log_level: string;
  /** Log file size (bytes) at which it is rotated, and rotated files kept. */
  log_max_bytes: number;
  log_backups: number;
  grains: Dict;
  test: boolean;
  failhard: boolean;
  master_finger: string;
  mine_functions: Dict;
  mine_interval: number;
  schedule: Dict;
  /** Beacons in Salt's list-of-dicts form (`{service: [{services: {nginx: {}}}, {interval: 5}]}`), checked by the minion. */
  beacons: Dict;
  providers: Dict;
  /** auth retry backoff: first wait and cap, in seconds (jittered). */
  acceptance_wait_time: number;
  acceptance_wait_time_max: number;
  random_reauth_delay: number;
  services_dir: string;
}

function badBeacons(v: unknown): never {
  throw new ConfigError(`beacons: must map beacon names to their options, e.g. {service: [{services: {nginx: {}}}]}, got ${JSON.stringify(v).slice(0, 200)}`);
}

/**
 * One `master` entry: `host`, `host:port`, `[v6addr]:port`, `[v6addr]` or a bare IPv6 literal; the port (the
 * master's ret port) defaults to `master_port`.
 */
export function parseMasterAddress(entry: unknown, defaultPort: number): MasterAddress {
  const shown = JSON.stringify(entry);
  if (typeof entry !== 'string' && typeof entry !== 'number') throw new ConfigError(`master: each entry must be 'host', 'host:port' or '[v6addr]:port', got ${shown}`);
  const s = String(entry).trim();
  let host: string;
  let port: string | undefined;
  const v6 = /^\[([^\]]+)\](?::(.*))?$/.exec(s);
  if (v6) {
    host = v6[1]!;
    port = v6[2];
  } else if ((s.match(/:/g) ?? []).length === 1) [host, port] = s.split(':') as [string, string];
  else host = s; // a name, an IPv4 address, or a bare IPv6 literal (several colons: no port)
  if (!host || /\s|[[\]/]/.test(host)) throw new ConfigError(`master: ${shown} is not a valid master address (use 'host', 'host:port' or '[v6addr]:port')`);
  if (port === undefined) return { host, port: defaultPort };
  const n = /^\d+$/.test(port) ? Number(port) : NaN;
  if (!(n >= 1 && n <= 65535)) throw new ConfigError(`master: ${shown}: the port must be a number from 1 to 65535`);
  return { host, port: n };
}

function boolOption(raw: Dict, key: string): boolean {
  const v = raw[key];
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw new ConfigError(`${key}: must be true or false, got ${JSON.stringify(v)}`);
  return v;
}

/** `master`, `master_port`, `master_type`, `master_alive_interval`, `master_shuffle`/`random_master`, resolved. */
function masterOptions(raw: Dict, num: (k: string, d: number) => number): Pick<MinionOpts, 'master' | 'master_port' | 'masters' | 'master_type' | 'master_alive_interval' | 'master_shuffle' | 'random_master'> {
  const defaultPort = num('master_port', 4506);
  if (!(Number.isInteger(defaultPort) && defaultPort >= 1 && defaultPort <= 65535)) throw new ConfigError(`master_port: must be a port number from 1 to 65535, got ${defaultPort}`);
  const v = raw['master'] ?? '127.0.0.1';
  const isList = Array.isArray(v);
  if (isList && v.length === 0) throw new ConfigError('master: the list of masters is empty');
  const masters = (isList ? v : [v]).map((e) => parseMasterAddress(e, defaultPort));
  const seen = new Set<string>();
  for (const m of masters) {
    const key = `${m.host}:${m.port}`;
    if (seen.has(key)) throw new ConfigError(`master: ${key} is listed twice`);
    seen.add(key);
  }
  const type = raw['master_type'] ?? (isList ? 'failover' : 'str');
  if (type !== 'str' && type !== 'failover') throw new ConfigError(`master_type: must be 'str' or 'failover', got ${JSON.stringify(type)}`);
  if (type === 'str' && masters.length > 1) {
    throw new ConfigError(`master_type: 'str' with a list of ${masters.length} masters is not supported: only master_type: failover is supported for a list (one master at a time)`);
  }
  const failover = type === 'failover';
  const alive = num('master_alive_interval', failover ? 5 : 0);
  if (alive < 0 || (failover && alive === 0)) throw new ConfigError(`master_alive_interval: must be a positive number of seconds${failover ? ' with master_type: failover' : ''}, got ${alive}`);
  const shuffle = boolOption(raw, 'master_shuffle') || boolOption(raw, 'random_master');
  return {
    master: masters[0]!.host,
    master_port: masters[0]!.port,
    masters,
    master_type: type,
    master_alive_interval: alive,
    master_shuffle: shuffle,
    random_master: shuffle,
  };
}

export const DEFAULT_CONFIG_DIR = '/etc/brine';

export function readYamlConfig(file: string): Dict {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new ConfigError(`${file}: cannot read (${(e as Error).message})`);
  }
  let data: unknown;
  try {
    data = parseSaltConfigYaml(text);
  } catch (e) {
    throw new ConfigError(`${file}: invalid YAML: ${(e as Error).message}`);
  }
  if (data === null || data === undefined) return {};
  if (!isDict(data)) throw new ConfigError(`${file}: the top level must be a mapping of option: value`);
  // Salt also reads <name>.d/*.conf; so do we, in name order.
  const dDir = `${file}.d`;
  if (fs.existsSync(dDir)) {
    for (const f of fs.readdirSync(dDir).filter((n) => n.endsWith('.conf')).sort()) Object.assign(data, readYamlConfig(path.join(dDir, f)));
  }
  return data;
}


/**
 * Salt 3006's defaults (DEFAULT_MINION_OPTS) for options Brine does not act on but templates read through `opts` and
 * `config.get` (formulas ask for `hash_type`, `renderer`, `state_output`...): the values salt-call --local shows.
 */
const SALT_MINION_DEFAULTS: Dict = {
  renderer: 'jinja|yaml',
  hash_type: 'sha256',
  state_output: 'full',
  state_verbose: true,
  state_output_diff: false,
  state_aggregate: false,
  state_events: false,
  state_auto_order: true,
  default_top: 'base',
  top_file_merging_strategy: 'merge',
  jinja_trim_blocks: false,
  jinja_lstrip_blocks: false,
  grains_cache: false,
  // What salt-call shows for the options templates read to learn how they run (libsaltcli.jinja reads __cli).
  __cli: 'salt-minion',
  file_client: 'remote',
  state_top: 'salt://top.sls',
  saltenv: null,
  state_top_saltenv: null,
  pillarenv: null,
  lock_saltenv: false,
  env_order: [],
  startup_states: '',
  pillar_source_merging_strategy: 'smart',
  pillar_merge_lists: false,
  pillar_includes_override_sls: false,
  file_ignore_regex: [],
  file_ignore_glob: [],
  jinja_env: {},
  jinja_sls_env: {},
};

export function loadMinionOpts(configDir = DEFAULT_CONFIG_DIR, overrides: Dict = {}): MinionOpts {
  const dir = path.resolve(configDir);
  const raw = { ...SALT_MINION_DEFAULTS, ...readYamlConfig(path.join(dir, 'minion')), ...overrides };
  const { path: p, num } = optionReaders(raw, dir);
  return {
    ...raw,
    id: String(raw['id'] ?? os.hostname()),
    config_dir: dir,
    conf_file: path.join(dir, 'minion'),
    user: String(raw['user'] ?? os.userInfo().username),
    ...masterOptions(raw, num),
    publish_port: num('publish_port', 4505),
    publish_port_set: raw['publish_port'] !== undefined && raw['publish_port'] !== null,
    ipv6: Boolean(raw['ipv6'] ?? false),
    file_roots: rootsOption(raw['file_roots'], ['/srv/salt'], dir, 'file_roots'),
    pillar_roots: rootsOption(raw['pillar_roots'], ['/srv/pillar'], dir, 'pillar_roots'),
    cachedir: p('cachedir', '/var/cache/brine/minion'),
    pki_dir: p('pki_dir', path.join(dir, 'pki/minion')),
    log_file: p('log_file', '/var/log/brine/minion'),
    log_level: String(raw['log_level'] ?? 'info'),
    log_max_bytes: num('log_max_bytes', 10 * 1024 * 1024),
    log_backups: num('log_backups', 5),
    grains: isDict(raw['grains']) ? raw['grains'] : {},
    test: Boolean(raw['test'] ?? false),
    failhard: Boolean(raw['failhard'] ?? false),
    master_finger: String(raw['master_finger'] ?? ''),
    mine_functions: isDict(raw['mine_functions']) ? raw['mine_functions'] : {},
    mine_interval: num('mine_interval', 60),
    schedule: isDict(raw['schedule']) ? raw['schedule'] : {},
    beacons: raw['beacons'] === undefined || raw['beacons'] === null ? {} : isDict(raw['beacons']) ? raw['beacons'] : badBeacons(raw['beacons']),
    providers: isDict(raw['providers']) ? raw['providers'] : {},
    acceptance_wait_time: num('acceptance_wait_time', 1),
    acceptance_wait_time_max: num('acceptance_wait_time_max', 10),
    random_reauth_delay: num('random_reauth_delay', 10),
    services_dir: p('services_dir', '/etc/brine/services.d'),
  };
}
