/** pkg.installed / pkg.latest / pkg.removed over the host's package provider. */
import { isDict, StateArgError, type Changes, type LowChunk } from '@brine/core';
import type { CheckContext, StateFunction, StateModule } from '../types';
import { describe, optStr, type Args } from './util';

export interface PkgParams {
  pkgs: { name: string; version?: string }[];
  /** pkg.removed/purged: the packages the last check found to act on, sorted (for the dry run's comment). */
  targets?: string[];
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9+._:-]*$/;

function parsePkgs(ref: string, args: Args, chunk: LowChunk, versions: boolean): PkgParams {
  const raw = args['pkgs'];
  const pkgs: PkgParams['pkgs'] = [];
  if (raw !== undefined && raw !== null) {
    if (!Array.isArray(raw)) throw new StateArgError(ref, 'pkgs', `expected a list, got ${describe(raw)}`);
    for (const [i, item] of raw.entries()) {
      if (typeof item === 'string') pkgs.push({ name: item });
      else if (isDict(item) && Object.keys(item).length === 1) {
        const [name, v] = Object.entries(item)[0];
        if (!versions) throw new StateArgError(ref, 'pkgs', `item ${i}: versions are not accepted here, give plain names`);
        if (v !== null && typeof v !== 'string' && typeof v !== 'number') throw new StateArgError(ref, 'pkgs', `item ${i}: version of ${name} must be a string`);
        pkgs.push({ name, version: v === null ? undefined : String(v) });
      } else throw new StateArgError(ref, 'pkgs', `item ${i}: expected a name or {name: version}, got ${describe(item)}`);
    }
    if (pkgs.length === 0) throw new StateArgError(ref, 'pkgs', 'an empty list');
  } else {
    const version = optStr(ref, args, 'version');
    if (version !== undefined && !versions) throw new StateArgError(ref, 'version', 'not accepted here');
    pkgs.push({ name: chunk.name, version });
  }
  for (const p of pkgs) if (!NAME.test(p.name)) throw new StateArgError(ref, 'name', `invalid package name ${JSON.stringify(p.name)}`);
  return { pkgs };
}

/** Versions match when equal, ignoring a `0:` epoch; a trailing `*` in the wanted version matches a prefix. */
export function versionMatches(have: string, want: string): boolean {
  const strip = (v: string) => v.replace(/^0:/, '');
  const h = strip(have);
  const w = strip(want);
  return w.endsWith('*') ? h.startsWith(w.slice(0, -1)) : h === w;
}

const list = (names: string[]) => names.join(', ');

async function installedPending(p: PkgParams, ctx: CheckContext, latest: boolean): Promise<Changes> {
  const names = p.pkgs.map((x) => x.name);
  const have = await ctx.providers.pkg.installed(names, ctx.host);
  const cand = latest || p.pkgs.some((x) => !have[x.name] && !x.version) ? await ctx.providers.pkg.candidate(names, ctx.host) : {};
  const changes: Changes = {};
  for (const x of p.pkgs) {
    const cur = have[x.name] ?? null;
    if (latest) {
      const c = cand[x.name] ?? null;
      if (c === null) {
        if (cur === null) throw new Error(`No information found for '${x.name}'`);
        continue;
      }
      if (cur !== c) changes[x.name] = { old: cur ?? '', new: c };
    } else if (cur === null) {
      changes[x.name] = { old: '', new: x.version ?? cand[x.name] ?? 'latest' };
    } else if (x.version && !versionMatches(cur, x.version)) {
      changes[x.name] = { old: cur, new: x.version };
    }
  }
  return changes;
}

async function report(names: string[], before: Changes, ctx: CheckContext): Promise<Changes> {
  const now = await ctx.providers.pkg.installed(names, ctx.host);
  const out: Changes = {};
  for (const n of names) {
    const old = (before[n] as { old: string }).old;
    const nv = now[n] ?? '';
    if (old !== nv) out[n] = { old, new: nv };
  }
  return out;
}

function installFn(latest: boolean): StateFunction<PkgParams> {
  return {
    parse: (ref, args, chunk) => parsePkgs(ref, args, chunk, !latest),
    check: (p, ctx) => installedPending(p, ctx, latest),
    async apply(p, pending, ctx) {
      const names = Object.keys(pending);
      const todo = p.pkgs.filter((x) => names.includes(x.name)).map((x) => (latest ? { name: x.name } : x));
      await ctx.providers.pkg.install(todo, ctx.host);
      return { changes: await report(names, pending, ctx), comment: `The following packages were installed/updated: ${list(names)}` };
    },
    okComment: (p) => (latest ? (p.pkgs.length > 1 ? 'All packages are up-to-date' : `Package ${p.pkgs[0].name} is already up-to-date`) : 'All specified packages are already installed'),
    testComment: (p) => `The following packages would be installed/updated: ${list(p.pkgs.map((x) => x.name))}`,
  };
}

export const installed = installFn(false);
export const latest = installFn(true);

/**
 * pkg.removed / pkg.purged (Salt's states.pkg._uninstall): the named packages that are installed (for purged, also
 * those removed with their configuration left), sorted; Salt's comments, and its dry-run changes
 * (`{name: {new: 'removed', old: ''}}`).
 */
function uninstallFn(action: 'remove' | 'purge'): StateFunction<PkgParams> {
  const targets = (pending: Changes) => Object.keys(pending).sort();
  return {
    parse: (ref, args, chunk) => parsePkgs(ref, args, chunk, false),
    async check(p, ctx) {
      const names = p.pkgs.map((x) => x.name);
      const have = await ctx.providers.pkg.installed(names, ctx.host);
      const left = action === 'purge' ? await ctx.providers.pkg.residual(names, ctx.host) : {};
      const changes: Changes = {};
      for (const n of names) {
        const v = have[n] ?? left[n] ?? null;
        if (v !== null) changes[n] = { old: v, new: '' };
      }
      p.targets = targets(changes);
      return changes;
    },
    async apply(p, pending, ctx) {
      const names = targets(pending);
      const pkg = ctx.providers.pkg;
      const residual = action === 'purge' ? await pkg.residual(names, ctx.host) : {};
      await (action === 'purge' ? pkg.purge(names, ctx.host) : pkg.remove(names, ctx.host));
      const all = await report(names, pending, ctx);
      // Salt's pkg.purge returns the installed packages' changes and the residual ones' apart.
      const changes: Changes =
        action === 'purge'
          ? {
              removed: Object.fromEntries(Object.entries(all).filter(([n]) => residual[n])),
              installed: Object.fromEntries(Object.entries(all).filter(([n]) => !residual[n])),
            }
          : all;
      const done = `${action}d`;
      const notInstalled = [...new Set(p.pkgs.map((x) => x.name))].filter((n) => !names.includes(n)).sort();
      const comment = notInstalled.length
        ? `The following packages were not installed: ${list(notInstalled)} The following packages were ${done}: ${list(names)}.`
        : `All targeted packages were ${done}.`;
      return { changes, comment };
    },
    okComment: () => (action === 'purge' ? 'None of the targeted packages are installed or partially installed' : 'All specified packages are already absent'),
    testComment: (p) => `The following packages will be ${action}d: ${list(p.targets ?? [])}.`,
    testChanges: (_p, pending) => Object.fromEntries(targets(pending).map((n) => [n, { new: `${action}d`, old: '' }])),
  };
}

export const removed = uninstallFn('remove');
export const purged = uninstallFn('purge');

export const pkgModule: StateModule = { name: 'pkg', functions: { installed, latest, removed, purged } };
