/**
 * Each package's manifest matches its code: every non-relative, non-builtin module its files import is declared in
 * its package.json, and every dependency declared is imported somewhere in it (`@types/x` counts when `x` is). The
 * root manifest holds the tools (jest, ts-jest, typescript, type packages) and what test/, bench/ and scripts/ import
 * that no workspace package declares. Imports are found by TypeScript's own scanner (ts.preProcessFile).
 */
import * as fs from 'fs';
import { builtinModules } from 'module';
import * as path from 'path';
import * as ts from 'typescript';

const ROOT = path.resolve(__dirname, '..');
const BUILTIN = new Set(builtinModules);
/** Used by the toolchain without an import: the compiler, the test runner and its TypeScript transform. */
const TOOLS = new Set(['typescript', 'jest', 'ts-jest']);

interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  workspaces?: string[];
}

const readJson = (p: string): Manifest => JSON.parse(fs.readFileSync(p, 'utf8')) as Manifest;

/** `@scope/name/sub` -> `@scope/name`, `name/sub` -> `name`; null for relative paths and node builtins. */
export function packageOf(spec: string): string | null {
  if (spec.startsWith('.') || spec.startsWith('/') || spec.startsWith('node:')) return null;
  const parts = spec.split('/');
  const name = spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
  return BUILTIN.has(name) ? null : name;
}

/** Module specifiers of import/export-from, side-effect imports, require() and import(), as TypeScript's scanner finds them (never inside strings or comments). */
export function importsOf(text: string): string[] {
  return ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
}

function sourceFiles(dir: string, skip: (rel: string) => boolean, rel = ''): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = path.join(rel, e.name);
    if (skip(r)) continue;
    if (e.isDirectory()) out.push(...sourceFiles(dir, skip, r));
    else if (/\.(ts|js|cjs|mjs)$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(path.join(dir, r));
  }
  return out;
}

function importedPackages(files: string[]): Map<string, string> {
  const found = new Map<string, string>();
  for (const f of files) for (const spec of importsOf(fs.readFileSync(f, 'utf8'))) {
    const p = packageOf(spec);
    if (p && !found.has(p)) found.set(p, path.relative(ROOT, f));
  }
  return found;
}

const declared = (m: Manifest): string[] => [...Object.keys(m.dependencies ?? {}), ...Object.keys(m.devDependencies ?? {})];

const root = readJson(path.join(ROOT, 'package.json'));
const workspaces = root.workspaces ?? [];
/** Generated or foreign code inside a package: built output, dependencies, and the app compiled into the state tree. */
const skipInPackage = (rel: string): boolean => /(^|\/)(node_modules|dist|test-fixtures)$/.test(rel);

describe.each(workspaces)('%s', (ws) => {
  const dir = path.join(ROOT, ws);
  const manifest = readJson(path.join(dir, 'package.json'));
  const imported = importedPackages(sourceFiles(dir, skipInPackage));
  imported.delete(manifest.name);

  test('every imported package is declared', () => {
    const missing = [...imported].filter(([p]) => !declared(manifest).includes(p)).map(([p, f]) => `${p} (imported by ${f})`);
    expect(missing).toEqual([]);
  });

  test('every declared dependency is imported (a type package `@types/x` when `x` is)', () => {
    const used = (d: string): boolean => imported.has(d) || imported.has(/^@types\/(.+)$/.exec(d)?.[1] ?? '');
    expect(declared(manifest).filter((d) => !used(d))).toEqual([]);
  });
});

describe('the root manifest', () => {
  const dirs = ['test', 'bench', 'scripts'].filter((d) => fs.existsSync(path.join(ROOT, d)));
  const files = [...dirs.flatMap((d) => sourceFiles(path.join(ROOT, d), (rel) => /(^|\/)(node_modules|fixtures|peer)$/.test(rel))), path.join(ROOT, 'jest.config.js')];
  const imported = importedPackages(files);
  const local = new Set(workspaces.map((ws) => readJson(path.join(ROOT, ws, 'package.json')).name));

  // Tests exercise the packages, so they may import what a package declares (npm hoists it to the root).
  const declaredAnywhere = new Set([...declared(root), ...workspaces.flatMap((ws) => declared(readJson(path.join(ROOT, ws, 'package.json'))))]);

  test('every package test/, bench/ and scripts/ import is declared, by the root or by a workspace package', () => {
    const missing = [...imported].filter(([p]) => !local.has(p) && !declaredAnywhere.has(p)).map(([p, f]) => `${p} (imported by ${f})`);
    expect(missing).toEqual([]);
  });

  test('every declared tool is used: imported, a toolchain program, or the types of a package in use', () => {
    const inUse = (d: string): boolean => {
      if (TOOLS.has(d) || imported.has(d)) return true;
      const typed = /^@types\/(.+)$/.exec(d)?.[1];
      if (!typed) return false;
      if (typed === 'node') return true;
      if (typed === 'jest') return declared(root).includes('jest');
      return imported.has(typed) || workspaces.some((ws) => declared(readJson(path.join(ROOT, ws, 'package.json'))).includes(typed));
    };
    expect(declared(root).filter((d) => !inUse(d))).toEqual([]);
  });
});

test('the import scanner sees every form, and only outside comments', () => {
  const text = [
    "import { a } from 'alpha';",
    "import type { B } from '@scope/beta/sub';",
    "export * from './local';",
    "import 'gamma/register';",
    "const d = require('delta');",
    "const e = await import('epsilon');",
    "type F = typeof import('zeta').x;",
    "// import { no } from 'commented';",
    "/* require('blocked') */",
    "const tpl = \"{% from 'lib.j2' import m %} require('in-a-string')\";",
    "import * as fs from 'fs';",
    "import { x } from 'node:path';",
  ].join('\n');
  const pkgs = importsOf(text).map(packageOf).filter(Boolean);
  expect(pkgs.sort()).toEqual(['@scope/beta', 'alpha', 'delta', 'epsilon', 'gamma', 'zeta']);
});
