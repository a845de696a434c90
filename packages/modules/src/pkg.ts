/**
 * pkg.* execution functions (Salt 3006 salt/modules/aptpkg.py and yumpkg.py shapes) over the package provider:
 * install/remove/purge/upgrade return {name: {old, new}} for what changed, version/latest_version a string for one
 * name and a dict for several, list_pkgs {name: version}.
 */
import { spawnSync } from 'child_process';
import { UsageError, type Dict } from '@brine/core';
import { LocalHostReader, type HostWriter } from '@brine/engine';
import { APT_ENV, parseAptPolicy } from '@brine/engine';
import { FakePkgProvider } from '@brine/engine';
import type { PkgProvider } from '@brine/engine';
import { debVersionCmp } from './deb-version';
import { CancellableWriter } from './exec';
import { arg, CallResult, truthy, type ExecEnv, type ExecFn, type ExecModule } from './types';

const reader = new LocalHostReader();
/** Package commands stop when the job is cancelled (env.signal). */
const writerFor = (env: ExecEnv): HostWriter => new CancellableWriter(env.signal);

type Changes = Record<string, { old: string; new: string }>;

/** `name` (a name, or comma-separated names) or `pkgs` (names, or {name: version} items), with `version` for one name. */
function targets(args: unknown[], kwargs: Dict): { name: string; version?: string }[] {
  const pkgs = kwargs['pkgs'];
  if (Array.isArray(pkgs)) {
    return pkgs.flatMap((p) => (p && typeof p === 'object' ? Object.entries(p as Dict).map(([name, v]) => ({ name, version: v === null || v === undefined ? undefined : String(v) })) : [{ name: String(p) }]));
  }
  const name = arg(args, kwargs, 0, 'name', null);
  if (name === null || name === '') throw new UsageError('pkg: name or pkgs is required');
  const names = String(name).split(',').map((s) => s.trim()).filter(Boolean);
  const version = kwargs['version'];
  return names.map((n) => ({ name: n, version: names.length === 1 && version !== undefined && version !== null ? String(version) : undefined }));
}

/**
 * Salt's aptpkg.list_pkgs over `dpkg-query -W --showformat '${Status} ${Package} ${Version} ${Architecture}'`: a
 * package counts when its selection is install or hold (`hold ok installed` too) and its status says installed; on
 * an x86_64/amd64 host a package of another architecture (not `all`) is named `name:arch`, as Salt does.
 */
export function parseDpkgList(stdout: string, grains: Dict = {}): Record<string, string> {
  const out: Record<string, string> = {};
  const amd64 = grains['cpuarch'] === 'x86_64' && grains['osarch'] === 'amd64';
  for (const line of stdout.split('\n')) {
    const cols = line.split(/\s+/).filter(Boolean);
    if (cols.length < 6) continue;
    const [linetype, , status, name, version, arch] = cols as [string, string, string, string, string, string];
    if (!((linetype.includes('install') || linetype.includes('hold')) && status.includes('installed'))) continue;
    out[amd64 && arch !== 'all' && arch !== 'amd64' ? `${name}:${arch}` : name] = version;
  }
  return out;
}

/** The command listing installed packages for a provider, and the parser of its output. */
function packageQuery(pkg: PkgProvider, grains: Dict): { argv: string[]; parse: (stdout: string) => Record<string, string> } {
  if (pkg.name === 'apt') return { argv: ['dpkg-query', '--showformat', '${Status} ${Package} ${Version} ${Architecture}\n', '-W'], parse: (o) => parseDpkgList(o, grains) };
  if (pkg.name === 'dnf') {
    const parse = (stdout: string): Record<string, string> => {
      const out: Record<string, string> = {};
      for (const line of stdout.split('\n')) {
        const [n, v] = line.split('\t');
        if (n && v) out[n] = v.replace(/^0:/, '');
      }
      return out;
    };
    return { argv: ['rpm', '-qa', '--qf', '%{NAME}\\t%{EPOCHNUM}:%{VERSION}-%{RELEASE}\\n'], parse };
  }
  throw new UsageError(`pkg.list_pkgs: not supported by the '${pkg.name}' provider`);
}

const sortedByName = (out: Record<string, string>): Record<string, string> => Object.fromEntries(Object.keys(out).sort().map((k) => [k, out[k]!]));

/** Every installed package with its version (`grains` for the architecture suffix of apt's foreign packages). */
export async function listPkgs(pkg: PkgProvider, grains: Dict = {}): Promise<Record<string, string>> {
  if (pkg instanceof FakePkgProvider) return sortedByName((await pkg.read(reader)).installed);
  const q = packageQuery(pkg, grains);
  return sortedByName(q.parse((await reader.probe(q.argv)).stdout));
}

/** Candidate versions with blocking calls (pkg.latest_version from a template), the database refreshed first when asked, as Salt does. */
function candidatesSync(pkg: PkgProvider, names: string[], refresh: boolean): Record<string, string | null> {
  if (pkg instanceof FakePkgProvider) {
    const db = pkg.readSync();
    return Object.fromEntries(names.map((n) => [n, db.available[n] ?? null]));
  }
  if (pkg.name !== 'apt') throw new UsageError(`pkg.latest_version: the '${pkg.name}' provider cannot answer from a template`);
  if (refresh) {
    const u = spawnSync('apt-get', ['-q', 'update'], { encoding: 'utf8', env: { ...process.env, ...APT_ENV } });
    if (u.error || u.status !== 0) throw new UsageError(`pkg.latest_version: apt-get update failed: ${(u.stderr || u.error?.message || '').trim()}`);
  }
  const r = spawnSync('apt-cache', ['policy', ...names], { encoding: 'utf8', env: { ...process.env, LANG: 'C', LC_ALL: 'C' } });
  if (r.error || r.status !== 0) throw new UsageError(`pkg.latest_version: apt-cache policy failed: ${(r.stderr || r.error?.message || '').trim()}`);
  return parseAptPolicy(r.stdout, names);
}

/** The same, read with blocking calls: what a template sees (Salt's renderer calls pkg.version as it renders). */
export function listPkgsSync(pkg: PkgProvider, grains: Dict = {}): Record<string, string> {
  if (pkg instanceof FakePkgProvider) return sortedByName(pkg.readSync().installed);
  const q = packageQuery(pkg, grains);
  const r = spawnSync(q.argv[0]!, q.argv.slice(1), { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) throw new UsageError(`pkg: ${q.argv[0]} could not run (${r.error.message})`);
  return sortedByName(q.parse(r.stdout));
}

function diff(before: Record<string, string | null>, after: Record<string, string | null>): Changes {
  const out: Changes = {};
  for (const n of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const o = before[n] ?? '';
    const v = after[n] ?? '';
    if (o !== v) out[n] = { old: o, new: v };
  }
  return out;
}

/** A provider that knows how to refresh its own database (a test double, a custom provider) offers this. */
interface Refreshing {
  refresh(host: HostWriter): Promise<unknown>;
}

async function refreshDb(pkg: PkgProvider, writer: HostWriter): Promise<unknown> {
  const own = (pkg as Partial<Refreshing>).refresh;
  if (typeof own === 'function') return own.call(pkg, writer);
  if (pkg.name === 'apt') {
    const r = await writer.run(['apt-get', '-q', 'update'], { env: APT_ENV });
    if (r.code !== 0) throw new Error(`apt-get update failed: ${r.stderr || r.stdout}`);
    // aptpkg.refresh_db: {repo: True (fetched) | None (unchanged) | False (ignored)}.
    const repos: Record<string, boolean | null> = {};
    for (const line of r.stdout.split('\n')) {
      const m = /^(Hit|Get|Ign|Err):\d+\s+(\S+\s+\S+(?:\s+\S+)?)/.exec(line);
      if (!m) continue;
      const key = m[2]!.replace(/\s+(InRelease|Release|Packages)$/, '').replace(/\s+\[.*$/, '');
      repos[key] = m[1] === 'Get' ? true : m[1] === 'Hit' ? null : false;
    }
    return repos;
  }
  if (pkg.name === 'dnf') {
    const r = await writer.run(['dnf', '-q', '-y', 'makecache']);
    if (r.code !== 0) throw new Error(`dnf makecache failed: ${r.stderr || r.stdout}`);
    return true;
  }
  return {};
}

/** Salt: one name gives a string, several a dict. */
const oneOrMany = (names: string[], vals: Record<string, string>): unknown => (names.length === 1 ? vals[names[0]!] ?? '' : vals);

/** Salt's aptpkg._uninstall: purge also takes packages removed with their configuration left, and reports them apart. */
function removeFn(purge: boolean): ExecFn {
  return async (args, kwargs, env) => {
    const pkg = env.providers().pkg;
    const writer = writerFor(env);
    const names = targets(args, kwargs).map((t) => t.name);
    const before = await pkg.installed(names, reader);
    const left = purge ? await pkg.residual(names, reader) : {};
    const present = names.filter((n) => before[n] || left[n]);
    if (!present.length) return {};
    await (purge ? pkg.purge(present, writer) : pkg.remove(present, writer));
    const installed = diff(before, await pkg.installed(names, reader));
    return purge ? { removed: diff(left, await pkg.residual(names, reader)), installed } : installed;
  };
}

function versionsFn(pick: (installed: string | null, candidate: string | null) => string, needCandidate: boolean): ExecFn {
  return async (args, kwargs, env: ExecEnv) => {
    const names = args.map(String);
    if (!names.length) throw new UsageError('pkg: name at least one package');
    const pkg = env.providers().pkg;
    // Salt's latest_version refreshes the package database first unless refresh=False.
    if (needCandidate && truthy(kwargs['refresh'] ?? true)) await refreshDb(pkg, writerFor(env));
    const inst = await pkg.installed(names, reader);
    const cand: Record<string, string | null> = needCandidate ? await pkg.candidate(names, reader) : {};
    return oneOrMany(names, Object.fromEntries(names.map((n) => [n, pick(inst[n] ?? null, cand[n] ?? null)])));
  };
}

export const pkgModule: ExecModule = {
  name: 'pkg',
  docs: {
    install: "Install packages: name (or comma-separated names), pkgs=[name, {name: version}], version=, refresh=True.\nReturns {name: {old, new}} for what changed.",
    remove: "Remove packages (name or pkgs=). Returns {name: {old, new}} for what changed.",
    purge: "Remove packages with their configuration files (apt purge), also those removed earlier with their configuration left. Returns {removed: {name: {old, new}}, installed: {name: {old, new}}}, as Salt's.",
    version: "Installed version of each package; a string for one name, a dict for several; '' when not installed.",
    latest_version: "The candidate version when newer than the installed one, else ''; a string for one name, a dict for several.\nRefreshes the package database first unless refresh=False.",
    list_pkgs: "Every installed package: {name: version} (held ones too; name:arch for another architecture on amd64).",
    version_cmp: 'Compare two package versions: -1, 0 or 1 as pkg1 sorts before, with or after pkg2 (ignore_epoch=False); Debian rules (dpkg).',
    refresh_db: "Refresh the package database (apt-get update: {repo: True|None|False}; dnf makecache: True).",
    upgrade: "Upgrade every installed package (refresh=True, dist_upgrade=False). Returns {name: {old, new}}.",
  },
  functions: {
    install: async (args, kwargs, env) => {
      const pkg = env.providers().pkg;
      const writer = writerFor(env);
      const want = targets(args, kwargs);
      if (truthy(kwargs['refresh'] ?? false)) await refreshDb(pkg, writer);
      const names = want.map((t) => t.name);
      const before = await pkg.installed(names, reader);
      const todo = want.filter((t) => before[t.name] === null || (t.version !== undefined && before[t.name] !== t.version));
      try {
        if (todo.length) await pkg.install(todo, writer);
      } catch (e) {
        const changes = diff(before, await pkg.installed(names, reader));
        env.log.error(`pkg.install: ${(e as Error).message}`);
        return new CallResult({ changes, errors: [(e as Error).message] }, 'error');
      }
      return diff(before, await pkg.installed(names, reader));
    },
    remove: removeFn(false),
    purge: removeFn(true),
    version: versionsFn((i) => i ?? '', false),
    latest_version: versionsFn((i, c) => (c && c !== i ? c : ''), true),
    list_pkgs: async (_a, _k, env) => listPkgs(env.providers().pkg, env.grains),
    refresh_db: async (_a, _k, env) => refreshDb(env.providers().pkg, writerFor(env)),
    version_cmp: (args, kwargs, env) => {
      const pkg = env.providers().pkg;
      if (pkg.name === 'dnf') throw new UsageError("pkg.version_cmp: RPM's comparison is not in Brine yet (Debian's is)");
      const a = arg(args, kwargs, 0, 'pkg1', null);
      const b = arg(args, kwargs, 1, 'pkg2', null);
      if (a === null || b === null) throw new UsageError('pkg.version_cmp: give pkg1 and pkg2');
      return debVersionCmp(String(a), String(b), truthy(arg(args, kwargs, 2, 'ignore_epoch', false)));
    },
    upgrade: async (_a, kwargs, env) => {
      const pkg = env.providers().pkg;
      const writer = writerFor(env);
      if (truthy(kwargs['refresh'] ?? true)) await refreshDb(pkg, writer);
      const before = await listPkgs(pkg, env.grains);
      if (pkg instanceof FakePkgProvider) {
        const db = await pkg.read(reader);
        const todo = Object.keys(before).filter((n) => db.available[n] && db.available[n] !== before[n]).map((name) => ({ name }));
        if (todo.length) await pkg.install(todo, writer);
      } else {
        const argv =
          pkg.name === 'apt'
            ? ['apt-get', '-q', '-y', '-o', 'DPkg::Lock::Timeout=300', '-o', 'Dpkg::Options::=--force-confdef', '-o', 'Dpkg::Options::=--force-confold', truthy(kwargs['dist_upgrade'] ?? false) ? 'dist-upgrade' : 'upgrade']
            : ['dnf', '-q', '-y', 'upgrade'];
        const r = await writer.run(argv, { env: APT_ENV });
        if (r.code !== 0) {
          const changes = diff(before, await listPkgs(pkg, env.grains));
          return new CallResult({ changes, result: { retcode: r.code, stdout: r.stdout, stderr: r.stderr } }, 'error');
        }
      }
      return diff(before, await listPkgs(pkg, env.grains));
    },
  },
  // Templates cannot wait: version and list_pkgs read the package database with blocking calls there.
  templateFunctions: {
    version: (args, _k, env) => {
      const names = args.map(String);
      if (!names.length) throw new UsageError('pkg: name at least one package');
      const inst = listPkgsSync(env.providers().pkg, env.grains);
      return oneOrMany(names, Object.fromEntries(names.map((n) => [n, inst[n] ?? ''])));
    },
    list_pkgs: (_a, _k, env) => listPkgsSync(env.providers().pkg, env.grains),
    latest_version: (args, kwargs, env) => {
      const names = args.map(String);
      if (!names.length) throw new UsageError('pkg: name at least one package');
      const pkg = env.providers().pkg;
      const cand = candidatesSync(pkg, names, truthy(kwargs['refresh'] ?? true));
      const inst = listPkgsSync(pkg, env.grains);
      return oneOrMany(names, Object.fromEntries(names.map((n) => [n, cand[n] && cand[n] !== inst[n] ? cand[n] : ''])));
    },
  },
};
