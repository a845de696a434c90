/**
 * The few grains Salt gets from running programs (systemctl --version, python3, lspci, systemd-detect-virt, virt-what,
 * dmidecode, dpkg/rpm, man, lvm) are gathered in ONE pass: a single /bin/sh runs every needed command, its output is
 * split by record separators. Spawning costs milliseconds (python3 behind a pyenv shim ~100 ms), so the answers are
 * kept in `<cachedir>/grains.probe.<tag>.json` (one file per $PATH/euid/options), reused while the boot, euid,
 * $PATH and its directories are unchanged, and for at most an hour. index.ts stores the computed grains beside them.
 */
import { spawnSync } from 'child_process';
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'fs';
import { dirname } from 'path';
import { pathDirStamps, readTrim } from './util';

export interface ProbeSpec {
  name: string;
  /** Absolute paths of the programs the command runs (their identity is part of the cache key). */
  bins: string[];
  /** Shell command line; paths already quoted with q(). */
  cmd: string;
}

export interface ProbeResult {
  rc: number;
  /** stdout with trailing whitespace removed (Salt's cmd.run). */
  out: string;
}

export type ProbeResults = Record<string, ProbeResult>;

const RS = '\x1e';
const US = '\x1f';
export const PROBE_TTL_MS = 3600_000;
/** How long computed grains are reused (Salt's grains_cache_expiration default). */
export const SNAPSHOT_TTL_MS = 300_000;
const FORMAT = 1;

export const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

export function probeScript(specs: ProbeSpec[]): string {
  // Each command in a subshell: whatever it does (even `exit`), the next probe still runs.
  return specs.map((s) => `printf '\\036%s\\n' ${q(s.name)}; ( ${s.cmd} ) </dev/null 2>/dev/null; printf '\\n\\037%s\\n' "$?"`).join('\n');
}

/** Split the combined output of probeScript back into one result per probe. */
export function parseProbeOutput(out: string): ProbeResults {
  const res: ProbeResults = {};
  for (const chunk of out.split(RS).slice(1)) {
    const nl = chunk.indexOf('\n');
    if (nl < 0) continue;
    const name = chunk.slice(0, nl);
    const body = chunk.slice(nl + 1);
    const us = body.lastIndexOf(`\n${US}`);
    if (us < 0) {
      res[name] = { rc: -1, out: body.trimEnd() }; // killed mid-command (timeout)
      continue;
    }
    res[name] = { rc: parseInt(body.slice(us + 2), 10), out: body.slice(0, us).trimEnd() };
  }
  return res;
}

export function runProbes(specs: ProbeSpec[], timeoutMs = 20_000): ProbeResults {
  if (specs.length === 0) return {};
  const r = spawnSync('/bin/sh', ['-c', probeScript(specs)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    env: { ...process.env, LC_ALL: 'C' },
    timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
  });
  return parseProbeOutput(typeof r.stdout === 'string' ? r.stdout : '');
}

/**
 * The cache key: boot id, euid, $PATH and the mtimes of the directories it names (installing, upgrading or removing
 * a program renames entries there), plus the caller's own parts (options, OS family, Brine version).
 */
export function probeKey(extraKey: string[]): string {
  return JSON.stringify([FORMAT, readTrim('/proc/sys/kernel/random/boot_id') ?? '', process.geteuid ? process.geteuid() : -1, process.env['PATH'] ?? '', pathDirStamps(), extraKey]);
}

export interface ProbeCache {
  /** `which` answers looked up while computing (so a warm start does not search $PATH again). */
  which: Record<string, string | null>;
  results: ProbeResults;
  /** Values computed in-process on a miss (e.g. the zeromq library version). */
  extras: Record<string, string | null>;
}

/** The computed grains themselves (see index.ts): reused while `envKey` matches and younger than SNAPSHOT_TTL_MS. */
export interface GrainsSnapshot {
  at: number;
  envKey: string;
  system: Record<string, unknown>;
  /** Fingerprint of what the network grains are computed from. */
  netFp: string;
  network: Record<string, unknown>;
}

export interface CacheFile extends ProbeCache {
  key: string;
  at: number;
  snapshot?: GrainsSnapshot;
}

/** The cache file when its key matches and its probe answers are younger than PROBE_TTL_MS. */
export function readProbeCache(file: string, key: string, now = Date.now()): CacheFile | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const st = fstatSync(fd);
    // Trust only our own, not group/world-writable file.
    if ((process.geteuid && st.uid !== process.geteuid()) || st.mode & 0o022) return undefined;
    const c = JSON.parse(readFileSync(fd, 'utf8')) as CacheFile;
    const age = now - c.at;
    if (c.key !== key || !(age >= 0 && age < PROBE_TTL_MS) || !c.results || !c.extras || !c.which) return undefined;
    return c;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export function writeProbeCache(file: string, data: CacheFile): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(tmp, JSON.stringify(data), { mode: 0o600 });
    renameSync(tmp, file);
  } catch {
    try {
      unlinkSync(tmp);
    } catch {
      /* nothing written */
    }
  }
}
