/** bin/module-pack.js: modules served from a pack behave as loaded from disk, and nothing stale is served. */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const PACK_JS = path.resolve(__dirname, '../bin/module-pack.js');
let dir: string;
let cache: string;

/** Run app/main.js in a fresh node with the pack installed; its stdout is JSON. */
function run(env: NodeJS.ProcessEnv = {}): { installed?: boolean; a?: string; b?: string; dirname?: string; filename?: string; resolved?: string; sameClass?: boolean; o?: string } {
  const r = spawnSync(process.execPath, [path.join(dir, 'app/main.js')], { encoding: 'utf8', env: { ...process.env, BRINE_COMPILE_CACHE: cache, ...env } });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

function write(rel: string, text: string): void {
  fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  fs.writeFileSync(path.join(dir, rel), text);
}

const packFile = () => fs.readdirSync(cache).flatMap((d) => fs.readdirSync(path.join(cache, d)).map((f) => path.join(cache, d, f)));

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-pack-'));
  cache = path.join(dir, 'cache');
  write('app/main.js', `'use strict';
const handle = require(${JSON.stringify(PACK_JS)}).install('t', ${JSON.stringify(dir)});
const installed = Boolean(handle);
if (process.env.DISCARD) handle.discard();
if (process.env.KEEP) handle.keepIf(() => process.env.KEEP === 'yes');
const a = require('./lib/a');
const b = require('./lib/b');
process.stdout.write(JSON.stringify({ installed, a: a.say(), b: b.say(), dirname: a.dirname, filename: a.filename, resolved: require.resolve('./lib/b'), sameClass: b.make() instanceof a.Thing }));
`);
  write('app/lib/a.js', `'use strict';
class Thing {}
module.exports = { Thing, say: () => 'a1', dirname: __dirname, filename: __filename };
`);
  write('app/lib/b.js', `'use strict';
const { Thing } = require('./a');
exports.say = () => 'b1';
exports.make = () => new Thing();
`);
});

afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

test('the second run loads from the pack with the same module semantics', () => {
  const first = run();
  expect(first).toEqual({ installed: true, a: 'a1', b: 'b1', dirname: path.join(dir, 'app/lib'), filename: path.join(dir, 'app/lib/a.js'), resolved: path.join(dir, 'app/lib/b.js'), sameClass: true });
  const [pack] = packFile();
  expect(path.basename(pack!)).toMatch(/^t-[0-9a-f]+\.pack$/);
  expect(fs.statSync(pack!).mode & 0o777).toBe(0o600);
  expect(fs.statSync(path.dirname(pack!)).mode & 0o777).toBe(0o700);
  expect(run()).toEqual(first);
});

test('a module is served from the pack while its file keeps its mtime and size, and read again once they change', () => {
  const file = path.join(dir, 'app/lib/a.js');
  const T = 1_700_000_000; // whole seconds, so the same mtime can be set again exactly
  fs.utimesSync(file, T, T);
  run();
  // Same size, same mtime, other text: the pack's copy is what runs (the key is mtime and size, as documented).
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace("'a1'", "'a2'"));
  fs.utimesSync(file, T, T);
  expect(run().a).toBe('a1');
  // A real edit (new mtime): read from disk, and the pack is written again with it.
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace("'a2'", "'a3'"));
  fs.utimesSync(file, T, T + 1);
  expect(run().a).toBe('a3');
  expect(run().a).toBe('a3');
});

test('modules outside the root are never packed', () => {
  const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-pack-outside-'));
  try {
    const o = path.join(outside, 'o.js');
    fs.writeFileSync(o, "module.exports = 'o1';\n");
    fs.utimesSync(o, 1_700_000_000, 1_700_000_000);
    write('app/main.js', `require(${JSON.stringify(PACK_JS)}).install('t', ${JSON.stringify(dir)});\nrequire('./lib/a');\nprocess.stdout.write(JSON.stringify({ o: require(${JSON.stringify(o)}) }));\n`);
    expect(run()).toEqual({ o: 'o1' });
    // Same size and mtime, other text: read from disk all the same (a pack would have served 'o1').
    fs.writeFileSync(o, "module.exports = 'o2';\n");
    fs.utimesSync(o, 1_700_000_000, 1_700_000_000);
    expect(run()).toEqual({ o: 'o2' });
  } finally {
    fs.rmSync(outside, { recursive: true, force: true });
  }
});

test('a packed resolution whose file is gone is resolved again', () => {
  run();
  fs.rmSync(path.join(dir, 'app/lib/b.js'));
  write('app/lib/b/index.js', `'use strict';\nexports.say = () => 'b-dir';\nexports.make = () => new (require('../a').Thing)();\n`);
  const r = run();
  expect(r.b).toBe('b-dir');
  expect(r.resolved).toBe(path.join(dir, 'app/lib/b/index.js'));
  expect(r.sameClass).toBe(true);
});

test('a file added where a packed resolution was looked up is seen (x.js now wins over x/index.js)', () => {
  write('app/main.js', `require(${JSON.stringify(PACK_JS)}).install('t', ${JSON.stringify(dir)});\nprocess.stdout.write(JSON.stringify({ a: require('./lib/c') }));\n`);
  write('app/lib/c/index.js', "module.exports = 'c-dir';\n");
  expect(run()).toEqual({ a: 'c-dir' });
  expect(run()).toEqual({ a: 'c-dir' });
  write('app/lib/c.js', "module.exports = 'c-file';\n");
  expect(run()).toEqual({ a: 'c-file' });
});

test('a discarded run, or one its keepIf test refuses, writes no pack', () => {
  expect(run({ DISCARD: '1' }).installed).toBe(true);
  expect(run({ KEEP: 'no' }).installed).toBe(true);
  expect(packFile()).toEqual([]);
  run({ KEEP: 'yes' });
  expect(packFile().map((f) => path.basename(f))).toEqual([expect.stringMatching(/^t-[0-9a-f]+\.pack$/)]);
});

test('a cache directory others can write to is not used', () => {
  fs.mkdirSync(cache, { recursive: true });
  fs.chmodSync(cache, 0o777);
  expect(run().installed).toBe(false);
  expect(packFile()).toEqual([]);
});

test('BRINE_COMPILE_CACHE=0 turns packs off', () => {
  cache = '0';
  expect(run().installed).toBe(false);
});
