/**
 * Minion configuration: YAML at `<config-dir>/minion` (default /etc/brine/minion), Salt's key names.
 * Relative paths are resolved against the config directory, so a self-contained tree can live anywhere.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { optionReaders, rootsOption } from './common';
import { ConfigError, isDict, saltYamlTags, type Dict } from '@brine/core';
import { parse as parseYaml } from 'yaml';

export interface MinionOpts extends Dict {
  id: string;
  config_dir: string;
  master: string;
  master_port: number;
  publish_port: number;
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
    data = parseYaml(text, { version: '1.1', customTags: (t) => saltYamlTags(t as { tag?: string; test?: RegExp }[]) as typeof t });
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


export function loadMinionOpts(configDir = DEFAULT_CONFIG_DIR, overrides: Dict = {}): MinionOpts {
  const dir = path.resolve(configDir);
  const raw = { ...readYamlConfig(path.join(dir, 'minion')), ...overrides };
  const { path: p, num } = optionReaders(raw, dir);
  return {
    ...raw,
    id: String(raw['id'] ?? os.hostname()),
    config_dir: dir,
    master: String(raw['master'] ?? '127.0.0.1'),
    master_port: num('master_port', 4506),
    publish_port: num('publish_port', 4505),
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
