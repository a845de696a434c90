/** Test helpers: render a template through the real engine with Salt's filters, tests, globals and functions. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FileRoots, MemoryLogger } from '@brine/core';
import { JinjaEngine } from '../jinja/engine';
import { PyFunction } from '../jinja/runtime';
import type { Dict } from '../jinja/values';
import type { SaltTemplateContext } from './context';
import { SALT_FILTERS, SALT_TESTS, saltTemplateFunctions, saltTemplateGlobals } from './index';

export interface RenderSetup {
  id?: string;
  grains?: Dict;
  pillar?: Dict;
  opts?: Dict;
  /** Files of a state tree: relative path -> content. */
  files?: Record<string, string>;
  render?: SaltTemplateContext['render'];
  /** Templates by name for import / include. */
  templates?: Record<string, string>;
}

export interface Rendered {
  out: string;
  log: MemoryLogger;
  ctx: SaltTemplateContext;
}

/** Trees made by this test file, removed after its tests (a renderSalt call each: thousands a suite run). */
const made: string[] = [];
declare const afterAll: ((fn: () => void) => void) | undefined;
if (typeof afterAll === 'function') afterAll(() => made.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

export function tempTree(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-salt-'));
  made.push(dir);
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

export function saltContext(s: RenderSetup = {}): { ctx: SaltTemplateContext; log: MemoryLogger } {
  const log = new MemoryLogger();
  const root = tempTree(s.files ?? {});
  const ctx: SaltTemplateContext = {
    id: s.id ?? 'brine-test',
    grains: s.grains ?? { id: 'brine-test', os: 'Debian', os_family: 'Debian', osrelease: '12', osmajorrelease: 12, kernel: 'Linux' },
    pillar: s.pillar ?? {},
    opts: s.opts ?? {},
    saltenv: 'base',
    roots: new FileRoots([root]),
    log,
    render: s.render,
  };
  return { ctx, log };
}

/** Render `template` with `salt`, `grains`, `pillar`, `opts` in the context, as Salt's jinja renderer does. */
export function renderSalt(template: string, s: RenderSetup = {}, vars: Dict = {}): Rendered {
  const { ctx, log } = saltContext(s);
  const fns = saltTemplateFunctions(ctx);
  const salt: Dict = {};
  for (const [name, f] of Object.entries(fns)) salt[name] = new PyFunction(name, f);
  const engine = new JinjaEngine({ filters: SALT_FILTERS, tests: SALT_TESTS, globals: saltTemplateGlobals(), load: (n) => s.templates?.[n] ?? null });
  const out = engine.renderString(template, { salt, grains: ctx.grains, pillar: ctx.pillar, opts: ctx.opts, ...vars });
  return { out, log, ctx };
}
