/**
 * Helpers for the state tests (no jest in here): contexts over a temp file root, a naive `{{ x }}` renderer,
 * and a `converge` driver that does what the engine does (parse -> check -> apply -> check).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'fs';
import * as path from 'path';
import { nullLogger, type Changes, type LowChunk } from '@brine/core';
import { LocalHostReader, LocalHostWriter } from '../host/local';
import { SupervisorServiceProvider } from '../providers/supervisor';
import type { ApplyContext, ApplyOutcome, CheckContext, ExecCaller, HostReader, HostWriter, Providers, SourceClient, StateFunction, TemplateRenderer } from '../types';

export class DirSourceClient implements SourceClient {
  constructor(readonly root: string) {}
  fetch(urls: string[]): { url: string; data: Buffer } | null {
    for (const url of urls) {
      const rel = url.startsWith('salt://') ? url.slice(7) : null;
      const file = rel === null ? url : path.join(this.root, rel);
      if (rel !== null && path.relative(this.root, file).startsWith('..')) throw new Error(`${url}: escapes the file root`);
      if (existsSync(file) && statSync(file).isFile()) return { url, data: readFileSync(file) };
    }
    return null;
  }
  localPath(url: string): string | null {
    const file = url.startsWith('salt://') ? path.join(this.root, url.slice(7)) : url.replace(/^file:\/\//, '');
    return existsSync(file) && statSync(file).isFile() ? file : null;
  }
  list(url: string): { files: string[]; dirs: string[] } | null {
    const base = path.join(this.root, url.replace(/^salt:\/\//, '').replace(/\/+$/, ''));
    if (!existsSync(base) || !statSync(base).isDirectory()) return null;
    const files: string[] = [];
    const dirs: string[] = [];
    const walk = (d: string, prefix: string): void => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const r = prefix ? `${prefix}/${e.name}` : e.name;
        if (e.isDirectory()) {
          dirs.push(r);
          walk(path.join(d, e.name), r);
        } else files.push(r);
      }
    };
    walk(base, '');
    return { files: files.sort(), dirs: dirs.sort() };
  }
}

export const naiveTemplate: TemplateRenderer = {
  render(text, _file, extra) {
    return text.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (_m, k: string) => String(extra[k] ?? ''));
  },
};

/** Providers object whose missing members throw when a state actually uses them. */
function providersOf(given: Partial<Providers> = {}): Providers {
  return {
    get pkg() {
      if (!given.pkg) throw new Error('no pkg provider in this test');
      return given.pkg;
    },
    get service() {
      if (!given.service) throw new Error('no service provider in this test');
      return given.service;
    },
  };
}

export function chunk(state: string, fun: string, name: string, args: Record<string, unknown> = {}): LowChunk {
  return { id: name, name, state, fun, sls: 'test', env: 'base', file: 'test.sls', line: 1, order: 0, args, requisites: {} };
}

export interface Kit {
  reader: HostReader;
  writer: HostWriter;
  checkCtx(c: LowChunk): CheckContext;
  applyCtx(c: LowChunk): ApplyContext;
}

export function kit(opts: { fileRoot?: string; providers?: Partial<Providers>; exec?: ExecCaller } = {}): Kit {
  const files = new DirSourceClient(opts.fileRoot ?? '/nonexistent');
  const providers = providersOf(opts.providers);
  const base = { files, template: naiveTemplate, log: nullLogger, exec: opts.exec };
  const reader = new LocalHostReader();
  const writer = new LocalHostWriter();
  return {
    reader,
    writer,
    checkCtx: (c) => ({ ...base, providers, chunk: c, host: reader }),
    applyCtx: (c) => ({ ...base, providers, chunk: c, host: writer }),
  };
}

export interface Converged {
  params: unknown;
  pending: Changes;
  outcome: ApplyOutcome;
  after: Changes;
}

/** parse -> check (must show changes) -> apply -> check (must be {} unless recheck is false). */
export async function converge(k: Kit, fn: StateFunction<any>, c: LowChunk): Promise<Converged> {
  const params = fn.parse(`${c.state}.${c.fun}:${c.id}`, c.args, c);
  const pending = await fn.check(params, k.checkCtx(c));
  if (Object.keys(pending).length === 0) throw new Error(`expected pending changes for ${c.state}.${c.fun} ${c.name}`);
  const outcome = (await fn.apply(params, pending, k.applyCtx(c))) ?? {};
  const after = fn.recheck === false ? {} : await fn.check(params, k.checkCtx(c));
  return { params, pending, outcome, after };
}

/** A second pass: check must report nothing to do. */
export async function recheck(k: Kit, fn: StateFunction<any>, c: LowChunk): Promise<Changes> {
  const params = fn.parse(`${c.state}.${c.fun}:${c.id}`, c.args, c);
  return fn.check(params, k.checkCtx(c));
}

const DAEMON = `
const fs = require('fs');
const out = process.argv[2];
fs.appendFileSync(out, 'start ' + process.pid + '\\n');
process.on('SIGHUP', () => fs.appendFileSync(out, 'hup\\n'));
setInterval(() => {}, 1000);
`;

export interface TestDaemon {
  sup: SupervisorServiceProvider;
  /** The daemon's log: a `start <pid>` line per start, `hup` per reload. */
  out: string;
  starts(): number;
  /**
   * The number of starts once it reaches `n` (or after 10 s): the supervisor returns when it has spawned the process,
   * and the daemon logs its start a moment later, once node has loaded it.
   */
  waitStarts(n: number): Promise<number>;
}

/** A supervised service `name` under `dir` (a fresh temp dir): a node process that logs its starts and reloads. */
export function testDaemon(dir: string, name: string): TestDaemon {
  const servicesDir = path.join(dir, 'services.d');
  mkdirSync(servicesDir);
  const out = path.join(dir, 'out');
  writeFileSync(path.join(dir, 'daemon.js'), DAEMON);
  writeFileSync(path.join(servicesDir, `${name}.yaml`), `command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(path.join(dir, 'daemon.js'))}, ${JSON.stringify(out)}]\n`);
  const sup = new SupervisorServiceProvider({ servicesDir, runDir: path.join(dir, 'run') });
  const starts = () => (existsSync(out) ? readFileSync(out, 'utf8').split('\n').filter((l) => l.startsWith('start')).length : 0);
  const waitStarts = async (n: number): Promise<number> => {
    for (let i = 0; i < 200 && starts() < n; i++) await new Promise((r) => setTimeout(r, 50));
    return starts();
  };
  return { sup, out, starts, waitStarts };
}
