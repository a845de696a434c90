/**
 * Formula-style trees (test/fixtures/formulas/<tree>): Brine's `state.show_low_sls` must equal Salt 3006.1's.
 *
 * Each tree has states/, pillar/ (top.sls assigns it to '*'), grains.json (fixed grains) and expected/: per SLS,
 * <sls>.json is the `local` value of `salt-call --local state.show_low_sls <sls> --out json`, or <sls>.error.txt
 * holds Salt's error when Salt refuses to render it. scripts/oracle/regen-formulas.sh regenerates expected/ from
 * a Salt oracle; tests never run Salt.
 *
 * Brine runs the way `brine call --local --file-root STATES --pillar-root PILLAR --out json state.show_low_sls SLS`
 * does (packages/cli/src/commands/call.ts): minion options from a config dir whose `minion` file fixes id and
 * grains, --file-root/--pillar-root as overrides, localEnv, the registered function, then the json outputter's
 * JSON.stringify read back.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { MemoryLogger } from '@brine/core';
import { loadMinionOpts } from '@brine/engine';
import { CallResult, localEnv, lookupFunction } from '@brine/modules';

const BASE = path.join(__dirname, 'fixtures', 'formulas');

/** SLS names of a state tree, as regen-formulas.sh lists them: a/b.sls and a/b/init.sls are both `a.b`. */
function slsNames(statesDir: string): string[] {
  const out = new Set<string>();
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.isFile() && e.name.endsWith('.sls')) {
        const rel = path.relative(statesDir, full).split(path.sep).join('/');
        if (rel === 'top.sls') continue;
        out.add(rel.replace(/\/init\.sls$/, '').replace(/\.sls$/, '').split('/').join('.'));
      }
    }
  };
  walk(statesDir);
  return [...out].sort();
}

const trees = fs
  .readdirSync(BASE, { withFileTypes: true })
  .filter((e) => e.isDirectory() && fs.existsSync(path.join(BASE, e.name, 'states')))
  .map((e) => e.name)
  .sort();

interface ShowLow {
  code: number;
  ret: unknown;
  stderr: string[];
}

/** Same steps as `brine call --local` (callCommand), without the process around it. */
async function showLowSls(configDir: string, tree: string, sls: string): Promise<ShowLow> {
  const dir = path.join(BASE, tree);
  const opts = loadMinionOpts(configDir, {
    file_roots: { base: [path.join(dir, 'states')] },
    pillar_roots: { base: [path.join(dir, 'pillar')] },
  });
  const log = new MemoryLogger();
  const env = localEnv(opts, log);
  const raw = await lookupFunction('state.show_low_sls')([sls], {}, env);
  const res = raw instanceof CallResult ? raw : new CallResult(raw, 'ok');
  const stderr = log.lines.filter((l) => l.level === 'warn' || l.level === 'error').map((l) => `[${l.level.toUpperCase()}] ${l.msg}`);
  // The json outputter is JSON.stringify({ local: ret }); reading it back gives what a user would parse.
  const printed = JSON.parse(JSON.stringify({ local: res.ret }, null, 4)) as { local: unknown };
  return { code: res.retcode, ret: printed.local, stderr };
}

/**
 * Key order, recursively, below each low chunk's top level: Salt's `json` filter sorts keys while `tojson`, pillar
 * dictionaries and `names:` arguments keep theirs, so nested order is part of the result. The order of a chunk's own
 * keys is Salt-internal and not compared.
 */
function nestedKeyOrder(v: unknown, at = ''): string[] {
  if (Array.isArray(v)) return v.flatMap((x, i) => nestedKeyOrder(x, `${at}[${i}]`));
  if (v === null || typeof v !== 'object') return [];
  const o = v as Record<string, unknown>;
  return [`${at || '.'}: ${Object.keys(o).join(', ')}`, ...Object.entries(o).flatMap(([k, x]) => nestedKeyOrder(x, `${at}.${k}`))];
}

function chunkKeyOrders(low: unknown): string[] {
  if (!Array.isArray(low)) return [];
  return low.flatMap((chunk, i) => {
    if (chunk === null || typeof chunk !== 'object' || Array.isArray(chunk)) return [];
    const c = chunk as Record<string, unknown>;
    const label = `[${i}] ${String(c['__id__'])} ${String(c['state'])}.${String(c['fun'])} ${String(c['name'])}`;
    return Object.entries(c).flatMap(([k, x]) => nestedKeyOrder(x, `${label} .${k}`));
  });
}

describe.each(trees)('formula tree %s', (tree) => {
  const dir = path.join(BASE, tree);
  const names = slsNames(path.join(dir, 'states'));
  let configDir: string;

  beforeAll(() => {
    configDir = fs.mkdtempSync(path.join(os.tmpdir(), `brine-formulas-${tree}-`));
    const grains = JSON.parse(fs.readFileSync(path.join(dir, 'grains.json'), 'utf8')) as Record<string, unknown>;
    // JSON is YAML: the minion file fixes id and grains; caches and logs stay inside the temporary directory.
    const minion = {
      id: String(grains['id'] ?? 'brine-test'),
      grains,
      cachedir: path.join(configDir, 'cache'),
      pki_dir: path.join(configDir, 'pki'),
      log_file: path.join(configDir, 'minion.log'),
    };
    fs.writeFileSync(path.join(configDir, 'minion'), JSON.stringify(minion, null, 2) + '\n');
  });
  afterAll(() => fs.rmSync(configDir, { recursive: true, force: true }));

  test('the fixture is complete: README, pillar top, and an expected result for every SLS', () => {
    expect(fs.existsSync(path.join(dir, 'README.md'))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'pillar', 'top.sls'))).toBe(true);
    expect(names.length).toBeGreaterThanOrEqual(2);
    const missing = names.filter((s) => !fs.existsSync(path.join(dir, 'expected', `${s}.json`)) && !fs.existsSync(path.join(dir, 'expected', `${s}.error.txt`)));
    expect(missing).toEqual([]);
  });

  test.each(names)('state.show_low_sls %s matches Salt', async (sls) => {
    const jsonFile = path.join(dir, 'expected', `${sls}.json`);
    const errorFile = path.join(dir, 'expected', `${sls}.error.txt`);
    const got = await showLowSls(configDir, tree, sls);
    if (fs.existsSync(errorFile)) {
      // Salt refuses this SLS; Brine must refuse it too, with error strings as its return.
      const saltError = fs.readFileSync(errorFile, 'utf8');
      expect(saltError.length).toBeGreaterThan(0);
      expect(got.code).not.toBe(0);
      expect(Array.isArray(got.ret) && got.ret.length > 0 && got.ret.every((e) => typeof e === 'string')).toBe(true);
      return;
    }
    const expected = JSON.parse(fs.readFileSync(jsonFile, 'utf8')) as unknown;
    if (got.code !== 0) {
      // Show Brine's errors in the failure rather than a bare exit code.
      expect({ code: got.code, ret: got.ret, stderr: got.stderr }).toEqual({ code: 0, ret: expected, stderr: [] });
    }
    expect(got.ret).toEqual(expected);
    expect(chunkKeyOrders(got.ret)).toEqual(chunkKeyOrders(expected));
    expect(got.code).toBe(0);
  });
});
