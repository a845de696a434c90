/** file.replace / line / blockreplace / append / copy / recurse on real temp files; expected diffs are Salt 3006.1's. */
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { StateArgError } from '@brine/core';
import { fileModule } from './file';
import { chunk, converge, kit, recheck, type Kit } from './testkit';

const { replace, line, blockreplace, append, copy, recurse, accumulated, comment, uncomment } = fileModule.functions;

let tmp: string;
let root: string;
let k: Kit;
beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'brine-fedit-'));
  root = path.join(tmp, 'roots');
  mkdirSync(root);
  k = kit({ fileRoot: root });
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

function snapshot(dir: string): string {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d).sort()) {
      const p = path.join(d, n);
      const st = lstatSync(p);
      out.push(`${p} ${st.mode.toString(8)} ${st.isFile() ? readFileSync(p, 'utf8') : st.isSymbolicLink() ? readlinkSync(p) : ''}`);
      if (st.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out.join('\n');
}

const file = (name: string, text: string, mode = 0o644) => {
  const p = path.join(tmp, name);
  writeFileSync(p, text, { mode });
  return p;
};
const read = (p: string) => readFileSync(p, 'utf8');
const parse = (fn: typeof replace, c: ReturnType<typeof chunk>) => fn.parse(`${c.state}.${c.fun} ${c.id}`, c.args, c);

describe('file.replace', () => {
  it("replaces every match (MULTILINE by default), reports Salt's diff, keeps a .bak and converges", async () => {
    const f = file('r1', 'foo=1\nbar=2\nfoo=3\n', 0o640);
    const c = chunk('file', 'replace', f, { pattern: '^foo=\\d', repl: 'foo=9' });
    const r = await converge(k, replace, c);
    expect(r.pending).toEqual({ diff: '--- \n+++ \n@@ -1,3 +1,3 @@\n-foo=1\n+foo=9\n bar=2\n-foo=3\n+foo=9\n' });
    expect(r.outcome.comment).toBe('Changes were made');
    expect(read(f)).toBe('foo=9\nbar=2\nfoo=9\n');
    expect(read(`${f}.bak`)).toBe('foo=1\nbar=2\nfoo=3\n');
    expect(statSync(f).mode & 0o7777).toBe(0o640);
    expect(r.after).toEqual({});
    expect(replace.okComment!(parse(replace, c))).toBe('No changes needed to be made');
    expect(replace.testComment!(parse(replace, c))).toBe('Changes would have been made');
  });

  it('append_if_not_found adds the line once; prepend and not_found_content; count and groups', async () => {
    const f = file('r2', 'foo=9\nbar=2');
    const c = chunk('file', 'replace', f, { pattern: '^baz=.*', repl: 'baz=1', append_if_not_found: true, backup: false });
    const r = await converge(k, replace, c);
    expect(r.pending).toEqual({ diff: '--- \n+++ \n@@ -1,2 +1,3 @@\n foo=9\n-bar=2+bar=2\n+baz=1\n' });
    expect(read(f)).toBe('foo=9\nbar=2\nbaz=1\n');
    expect(existsSync(`${f}.bak`)).toBe(false);
    const g = file('r3', 'a\n');
    await converge(k, replace, chunk('file', 'replace', g, { pattern: 'nomatch', repl: 'x', prepend_if_not_found: true, not_found_content: '# header' }));
    expect(read(g)).toBe('# header\na\n');
    expect(await recheck(k, replace, chunk('file', 'replace', g, { pattern: 'nomatch', repl: 'x', prepend_if_not_found: true, not_found_content: '# header' }))).toEqual({});
    const h = file('r4', 'k = v1, k = v2\n');
    await converge(k, replace, chunk('file', 'replace', h, { pattern: '(?P<key>k) = (v\\d)', repl: '\\g<key>:\\2\\t', count: 1 }));
    expect(read(h)).toBe('k:v1\t, k = v2\n');
  });

  it('flags by name, Python $ and \\A/\\Z, and ignore_if_missing', async () => {
    const f = file('r5', 'Hello\nhello\n');
    await converge(k, replace, chunk('file', 'replace', f, { pattern: 'hello$', repl: 'bye', flags: ['IGNORECASE'] }));
    // Without MULTILINE, $ matches only at the end (or before the final newline), as in Python.
    expect(read(f)).toBe('Hello\nbye\n');
    const g = file('r6', 'ab\nab\n');
    await converge(k, replace, chunk('file', 'replace', g, { pattern: '\\Aab', repl: 'X', flags: 8 }));
    expect(read(g)).toBe('X\nab\n');
    const missing = chunk('file', 'replace', path.join(tmp, 'nope'), { pattern: 'a', repl: 'b', ignore_if_missing: true });
    expect(await recheck(k, replace, missing)).toEqual({});
    const fails = chunk('file', 'replace', path.join(tmp, 'nope'), { pattern: 'a', repl: 'b' });
    await expect(recheck(k, replace, fails)).rejects.toThrow(`${path.join(tmp, 'nope')}: file not found`);
  });

  it('rejects bad arguments at parse time, naming the state', () => {
    const bad = (args: Record<string, unknown>) => () => parse(replace, chunk('file', 'replace', '/tmp/x', args));
    expect(bad({ repl: 'x' })).toThrow(StateArgError);
    expect(bad({ pattern: '(', repl: 'x' })).toThrow(/file.replace \/tmp\/x: pattern: invalid regular expression/);
    expect(bad({ pattern: 'a', repl: '\\q' })).toThrow(/repl: bad escape \\q/);
    expect(bad({ pattern: 'a', repl: 'b', flags: ['NOPE'] })).toThrow(/flags: unknown flag "NOPE"/);
    expect(bad({ pattern: 'a', repl: 'b', append_if_not_found: true, prepend_if_not_found: true })).toThrow(/Only one of append and prepend_if_not_found/);
    expect(bad({ pattern: 'a++', repl: 'b' })).toThrow(/possessive/);
  });
});

describe('file.line', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['replace keeps the indentation', { mode: 'replace', match: 'tw.', content: 'TWO' }, 'one\n  TWO\nthree\n'],
    ['delete', { mode: 'delete', content: 'three' }, 'one\n  two\n'],
    ['ensure after', { mode: 'ensure', after: 'two', content: 'two-b' }, 'one\n  two\n  two-b\nthree\n'],
    ['ensure before', { mode: 'ensure', before: 'two', content: 'one-b' }, 'one\none-b\n  two\nthree\n'],
    ['insert before', { mode: 'insert', before: 'three', content: 'x' }, 'one\n  two\nx\nthree\n'],
    ['insert at start', { mode: 'insert', location: 'start', content: 'first' }, 'first\none\n  two\nthree\n'],
    ['insert at end', { mode: 'insert', location: 'end', content: 'last' }, 'one\n  two\nthree\nlast\n'],
  ];
  for (const [what, args, want] of cases) {
    it(`${what}: as Salt, then converged`, async () => {
      const f = file('l', 'one\n  two\nthree\n');
      const c = chunk('file', 'line', f, args);
      const r = await converge(k, line, c);
      expect(read(f)).toBe(want);
      expect(r.after).toEqual({});
      expect(r.outcome.comment).toBe('Changes were made');
    });
  }

  it("reports Salt's diff and fails clearly on ambiguous anchors or a missing file", async () => {
    const f = file('l2', 'one\n  two\nthree\n');
    const c = chunk('file', 'line', f, { mode: 'ensure', after: 'two', content: 'two-b' });
    expect(await recheck(k, line, c)).toEqual({ diff: '--- \n+++ \n@@ -1,3 +1,4 @@\n one\n   two\n+  two-b\n three\n' });
    const amb = chunk('file', 'line', f, { mode: 'insert', after: 'o', content: 'z' });
    await expect(recheck(k, line, amb)).rejects.toThrow('Found more than expected occurrences in "after" expression');
    await expect(recheck(k, line, chunk('file', 'line', path.join(tmp, 'none'), { mode: 'delete', content: 'x' }))).rejects.toThrow(/file not found/);
    const created = path.join(tmp, 'created');
    await converge(k, line, chunk('file', 'line', created, { mode: 'insert', location: 'end', content: 'hello', create: true }));
    // An empty (new) file has no final newline, and Salt 3006.1 adds none after the content either.
    expect(read(created)).toBe('hello');
    const noEol = file('noeol', 'one\nthree');
    await converge(k, line, chunk('file', 'line', noEol, { mode: 'insert', location: 'end', content: 'last' }));
    expect(read(noEol)).toBe('one\nthree\nlast');
    const bad = (args: Record<string, unknown>) => () => parse(line, chunk('file', 'line', '/tmp/x', args));
    expect(bad({ content: 'x' })).toThrow(/mode: Mode was not defined/);
    expect(bad({ mode: 'insert' })).toThrow(/Content can only be empty if mode is delete/);
    expect(bad({ mode: 'insert', content: 'x' })).toThrow(/location" or "before\/after/);
    expect(bad({ mode: 'bogus', content: 'x' })).toThrow(/Unknown mode/);
  });
});

describe('file.blockreplace', () => {
  it("replaces between the markers with Salt's diff and a .bak; converges", async () => {
    const f = file('b1', 'x\n# BEGIN\nold\n# END\ny\n');
    const c = chunk('file', 'blockreplace', f, { marker_start: '# BEGIN', marker_end: '# END', content: 'new' });
    const r = await converge(k, blockreplace, c);
    expect(r.pending).toEqual({ diff: '--- \n+++ \n@@ -1,5 +1,5 @@\n x\n # BEGIN\n-old\n+new\n # END\n y\n' });
    expect(read(f)).toBe('x\n# BEGIN\nnew\n# END\ny\n');
    expect(read(`${f}.bak`)).toBe('x\n# BEGIN\nold\n# END\ny\n');
    expect(r.after).toEqual({});
  });

  it('append/prepend when the markers are missing; a source rendered as a template; errors', async () => {
    const f = file('b2', 'a');
    await converge(k, blockreplace, chunk('file', 'blockreplace', f, { content: 'l1\nl2\n', append_if_not_found: true, backup: false }));
    expect(read(f)).toBe('a\n#-- start managed zone --\nl1\nl2\n#-- end managed zone --\n');
    writeFileSync(path.join(root, 'blk'), 'port={{ port }}');
    const g = file('b3', 'top\n');
    await converge(k, blockreplace, chunk('file', 'blockreplace', g, { source: 'salt://blk', context: { port: 80 }, prepend_if_not_found: true }));
    expect(read(g)).toBe('#-- start managed zone --\nport=80\n#-- end managed zone --\ntop\n');
    const h = file('b4', 'x\n');
    await expect(recheck(k, blockreplace, chunk('file', 'blockreplace', h, { content: 'c' }))).rejects.toThrow('Encountered error managing block: Cannot edit marked block. Markers were not found in file.');
    const u = file('b5', '#-- start managed zone --\nx\n');
    await expect(recheck(k, blockreplace, chunk('file', 'blockreplace', u, { content: 'c' }))).rejects.toThrow(/Unterminated marked block/);
    const i = file('b6', 'a\nanchor\nb\n');
    await converge(k, blockreplace, chunk('file', 'blockreplace', i, { content: 'c', insert_after_match: '^anch', marker_start: 'S', marker_end: 'E' }));
    expect(read(i)).toBe('a\nanchor\nS\nc\nE\nb\n');
  });
});

it('file.accumulated feeds the blockreplace it is required in by (Salt 3006.1 output)', async () => {
  const f = file('acc', 'a\n# START\n# END\n');
  const shared = new Map<string, unknown>();
  const acc = chunk('file', 'accumulated', 'hosts', { filename: f, text: ['one', 'two'] });
  acc.requisites = { require_in: [{ kind: 'file', target: 'blk' }] };
  const blk = { ...chunk('file', 'blockreplace', f, { marker_start: '# START', marker_end: '# END', content: 'zero', backup: false }), id: 'blk' };
  const ap = accumulated.parse('file.accumulated hosts', acc.args, acc);
  expect(await accumulated.check(ap, { ...k.checkCtx(acc), shared })).toEqual({});
  expect(accumulated.okComment!(ap)).toBe(`Accumulator hosts for file ${f} was charged by text`);
  const bp = blockreplace.parse('r', blk.args, blk);
  expect(await blockreplace.check(bp, { ...k.checkCtx(blk), shared })).toEqual({ diff: '--- \n+++ \n@@ -1,3 +1,6 @@\n a\n # START\n+zero\n+one\n+two\n # END\n' });
  await blockreplace.apply(bp, {}, { ...k.applyCtx(blk), shared });
  expect(read(f)).toBe('a\n# START\nzero\none\ntwo\n# END\n');
  expect(() => accumulated.parse('file.accumulated x', { filename: f, text: 'x' }, chunk('file', 'accumulated', 'x'))).toThrow(/Orphaned accumulator x/);
});

describe('file.append', () => {
  it("appends only missing lines (whitespace-insensitive), with Salt's diff and comment", async () => {
    const f = file('a1', 'a\nb\n');
    const c = chunk('file', 'append', f, { text: ['b', 'c'] });
    const r = await converge(k, append, c);
    expect(r.pending).toEqual({ diff: '--- \n\n+++ \n\n@@ -1,2 +1,3 @@\n\n a\n b\n+c' });
    expect(r.outcome.comment).toBe('Appended 1 lines');
    expect(read(f)).toBe('a\nb\nc\n');
    expect(r.after).toEqual({});
    const p = parse(append, c);
    expect([append.okComment!(p), append.testComment!(p)]).toEqual([`File ${f} is in correct state`, `File ${f} is set to be updated`]);
    const g = file('a2', 'export  PATH=$PATH:/opt/bin\nno newline');
    await converge(k, append, chunk('file', 'append', g, { text: 'export PATH=$PATH:/opt/bin\nexport X=1' }));
    expect(read(g)).toBe('export  PATH=$PATH:/opt/bin\nno newline\nexport PATH=$PATH:/opt/bin\nexport X=1\n');
  });

  it('creates a missing file (makedirs) and refuses an empty text', async () => {
    const f = path.join(tmp, 'new', 'dir', 'f');
    await converge(k, append, chunk('file', 'append', f, { text: 'x', makedirs: true }));
    expect(read(f)).toBe('x\n');
    const g = path.join(tmp, 'nodir', 'f');
    const c = chunk('file', 'append', g, { text: 'x' });
    await expect(append.apply(parse(append, c), {}, k.applyCtx(c))).rejects.toThrow(/does not exist \(set makedirs: True\)/);
    expect(() => parse(append, chunk('file', 'append', '/tmp/x', {}))).toThrow(/No text found to append/);
  });
});

describe('file.copy', () => {
  it('copies with the source mode; leaves an existing target unless force; dry-run changes are {}', async () => {
    const src = file('src', 'data\n', 0o600);
    const dst = path.join(tmp, 'out', 'dst');
    const c = chunk('file', 'copy', dst, { source: src, makedirs: true });
    expect(copy.testChanges!(parse(copy, c), { x: 1 })).toEqual({});
    const r = await converge(k, copy, c);
    expect(r.pending).toEqual({ [dst]: src });
    expect(r.outcome.comment).toBe(`Copied "${src}" to "${dst}"`);
    expect([read(dst), statSync(dst).mode & 0o7777, statSync(path.dirname(dst)).mode & 0o7777]).toEqual(['data\n', 0o600, 0o700]);
    writeFileSync(src, 'changed\n');
    expect(await recheck(k, copy, c)).toEqual({});
    const forced = chunk('file', 'copy', dst, { source: src, force: true, mode: '0644', user: 'nobody' });
    await converge(k, copy, forced);
    expect([read(dst), statSync(dst).mode & 0o7777, statSync(dst).uid]).toEqual(['changed\n', 0o644, 65534]);
    expect(await recheck(k, copy, forced)).toEqual({});
  });

  it('copies directory trees; a missing source fails with Salt\'s message', async () => {
    mkdirSync(path.join(tmp, 'tree', 'sub'), { recursive: true });
    writeFileSync(path.join(tmp, 'tree', 'sub', 'f'), 'f\n');
    const dst = path.join(tmp, 'copied');
    await converge(k, copy, chunk('file', 'copy', dst, { source: path.join(tmp, 'tree') }));
    expect(read(path.join(dst, 'sub', 'f'))).toBe('f\n');
    await expect(recheck(k, copy, chunk('file', 'copy', dst, { source: path.join(tmp, 'missing') }))).rejects.toThrow(`Source file "${path.join(tmp, 'missing')}" is not present`);
    expect(() => parse(copy, chunk('file', 'copy', '/tmp/x', { source: 'salt://x' }))).toThrow(/copies a local path/);
  });
});

describe('file.recurse', () => {
  beforeEach(() => {
    mkdirSync(path.join(root, 'app', 'conf.d'), { recursive: true });
    mkdirSync(path.join(root, 'app', 'empty'));
    writeFileSync(path.join(root, 'app', 'main.conf'), 'port={{ port }}\n');
    writeFileSync(path.join(root, 'app', 'conf.d', 'a.conf'), 'a\n');
  });

  it('mirrors a salt:// tree with templates and modes; clean removes extras; converges', async () => {
    const dst = path.join(tmp, 'app');
    mkdirSync(dst);
    writeFileSync(path.join(dst, 'stale'), 'x');
    const c = chunk('file', 'recurse', dst, { source: 'salt://app/', template: 'jinja', context: { port: 8080 }, file_mode: '0640', dir_mode: '0750', clean: true, include_empty: true });
    const r = await converge(k, recurse, c);
    expect(r.pending).toEqual({
      [dst]: { mode: '0750' },
      [path.join(dst, 'conf.d')]: { [path.join(dst, 'conf.d')]: { directory: 'new' } },
      [path.join(dst, 'empty')]: { [path.join(dst, 'empty')]: { directory: 'new' } },
      [path.join(dst, 'conf.d', 'a.conf')]: { diff: 'New file', mode: '0640' },
      [path.join(dst, 'main.conf')]: { diff: 'New file', mode: '0640' },
      removed: [path.join(dst, 'stale')],
    });
    expect(r.outcome.comment).toBe(`Recursively updated ${dst}`);
    expect(read(path.join(dst, 'main.conf'))).toBe('port=8080\n');
    expect(statSync(path.join(dst, 'conf.d', 'a.conf')).mode & 0o7777).toBe(0o640);
    expect(statSync(path.join(dst, 'empty')).mode & 0o7777).toBe(0o750);
    expect(existsSync(path.join(dst, 'stale'))).toBe(false);
    expect(r.after).toEqual({});
    expect(recurse.okComment!(parse(recurse, c))).toBe(`The directory ${dst} is in the correct state`);
  });

  it('exclude_pat, a missing source directory, and mode refused', async () => {
    const dst = path.join(tmp, 'app2');
    await converge(k, recurse, chunk('file', 'recurse', dst, { source: 'salt://app', exclude_pat: '*.conf', include_empty: false }));
    expect(readdirSync(dst)).toEqual([]);
    await expect(recheck(k, recurse, chunk('file', 'recurse', dst, { source: 'salt://nothere' }))).rejects.toThrow("The directory 'nothere' does not exist on the salt fileserver in saltenv 'base'");
    expect(() => parse(recurse, chunk('file', 'recurse', dst, { source: 'salt://app', mode: '0644' }))).toThrow(/'mode' is not allowed in 'file.recurse'/);
    expect(() => parse(recurse, chunk('file', 'recurse', dst, { source: '/srv/app' }))).toThrow(/must be a salt:\/\/ URI/);
  });
});

it('test mode: checking every edit kind writes nothing', async () => {
  const f = file('t1', 'foo=1\n# BEGIN\nx\n# END\n');
  const src = file('t2', 'copy me\n');
  const before = snapshot(tmp);
  const checks: [typeof replace, string, Record<string, unknown>][] = [
    [replace, f, { pattern: 'foo', repl: 'bar', append_if_not_found: true }],
    [line, f, { mode: 'insert', location: 'start', content: 'top' }],
    [blockreplace, f, { marker_start: '# BEGIN', marker_end: '# END', content: 'y' }],
    [append, f, { text: 'more' }],
    [append, path.join(tmp, 'nd', 'f'), { text: 'more', makedirs: true }],
    [copy, path.join(tmp, 'nd2', 'c'), { source: src, makedirs: true }],
    [recurse, path.join(tmp, 'rec'), { source: 'salt://d' }],
  ];
  mkdirSync(path.join(root, 'd'));
  writeFileSync(path.join(root, 'd', 'r'), 'r\n');
  const snap = snapshot(tmp);
  for (const [fn, name, args] of checks) {
    const c = chunk('file', 'x', name, args);
    const changes = await fn.check(fn.parse('r', c.args, c), k.checkCtx(c));
    expect(Object.keys(changes).length).toBeGreaterThan(0);
  }
  expect(snapshot(tmp)).toBe(snap);
  expect(before).not.toBe(snap);
});

// The bytes, results and comments of Salt 3006.1 on the same files (salt-call --local state.apply).
describe('file.comment / file.uncomment', () => {
  it('comments lines that start with the pattern, uncomments commented ones, and knows when there is nothing to do', async () => {
    const a = file('ca', 'bind 127.0.0.1\nport 80\n  bind 127.0.0.2\n');
    const r = await converge(k, comment, chunk('file', 'comment', a, { regex: '^bind 127' }));
    expect(r.pending).toEqual({ diff: '--- \n+++ \n@@ -1,3 +1,3 @@\n-bind 127.0.0.1\n+#bind 127.0.0.1\n port 80\n   bind 127.0.0.2\n' });
    expect([read(a), read(`${a}.bak`), r.outcome.comment]).toEqual(['#bind 127.0.0.1\nport 80\n  bind 127.0.0.2\n', 'bind 127.0.0.1\nport 80\n  bind 127.0.0.2\n', 'Commented lines successfully']);
    const b = file('cb', '# EXTRA=1\n##EXTRA=2\n#  EXTRA = 3\nother\n');
    await converge(k, uncomment, chunk('file', 'uncomment', b, { regex: 'EXTRA' }));
    expect(read(b)).toBe(' EXTRA=1\n##EXTRA=2\n  EXTRA = 3\nother\n');
    const c = file('cc', 'port=1\nxport=2\n');
    await converge(k, comment, chunk('file', 'comment', c, { regex: 'port', char: ';', backup: false }));
    expect([read(c), existsSync(`${c}.bak`)]).toEqual([';port=1\nxport=2\n', false]);
    const d = file('cd', '#already\n');
    expect(await recheck(k, comment, chunk('file', 'comment', d, { regex: 'already' }))).toEqual({});
    expect(comment.okComment!(parse(comment, chunk('file', 'comment', d, { regex: 'already' })))).toBe('Pattern already commented');
    const e = file('ce', 'x\n');
    await expect(recheck(k, uncomment, chunk('file', 'uncomment', e, { regex: 'nothere' }))).rejects.toThrow('nothere: Pattern not found');
    expect(await recheck(k, comment, chunk('file', 'comment', e, { regex: 'nothere', ignore_missing: true }))).toEqual({});
  });
});
