import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { StateArgError } from '@brine/core';
import { fileModule } from './file';
import { chunk, converge, kit, recheck, type Kit } from './testkit';

const { managed, directory, absent, symlink, touch } = fileModule.functions;

let tmp: string;
let root: string;
let k: Kit;
beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'brine-file-'));
  root = path.join(tmp, 'roots');
  mkdirSync(root);
  k = kit({ fileRoot: root });
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

/** Snapshot of a tree: path -> type/mode/content, to prove test mode changed nothing. */
function snapshot(dir: string): string {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d).sort()) {
      const p = path.join(d, n);
      const st = lstatSync(p);
      out.push(`${p} ${st.mode.toString(8)} ${st.uid} ${st.isFile() ? readFileSync(p, 'utf8') : st.isSymbolicLink() ? readlinkSync(p) : ''}`);
      if (st.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out.join('\n');
}

describe('file.managed', () => {
  it('source list: the first that exists wins; converges; second pass is clean', async () => {
    writeFileSync(path.join(root, 'b.conf'), 'from b\n');
    const name = path.join(tmp, 'out.conf');
    const c = chunk('file', 'managed', name, { source: ['salt://a.conf', 'salt://b.conf'], mode: '0640' });
    const r = await converge(k, managed, c);
    expect(r.pending).toEqual({ diff: 'New file', mode: '0640' });
    expect(r.after).toEqual({});
    expect(r.outcome.comment).toBe(`File ${name} updated`);
    expect(readFileSync(name, 'utf8')).toBe('from b\n');
    expect(statSync(name).mode & 0o7777).toBe(0o640);
    expect(await recheck(k, managed, c)).toEqual({});
    expect(managed.okComment!(managed.parse('r', c.args, c))).toBe(`File ${name} is in the correct state`);
  });

  // Salt 3006.1's manage_file: a source is copied in through mkstemp (0600) and then given the umask's mode, which
  // check_perms reports; contents are written to a file touched under the umask (no mode change); a file with
  // neither is touched ("Empty file"); the owner running the state is no change.
  it('a new file reports the permissions Salt sets on it: mode for a source, none for contents, Empty file for neither', async () => {
    writeFileSync(path.join(root, 'b.conf'), 'b\n');
    const umaskMode = (0o666 & ~process.umask()).toString(8).padStart(4, '0');
    const me = os.userInfo().username;
    const fromSource = await converge(k, managed, chunk('file', 'managed', path.join(tmp, 's'), { source: 'salt://b.conf' }));
    expect(fromSource.pending).toEqual({ diff: 'New file', mode: umaskMode });
    expect(statSync(path.join(tmp, 's')).mode & 0o7777).toBe(parseInt(umaskMode, 8));
    const fromContents = await converge(k, managed, chunk('file', 'managed', path.join(tmp, 'c'), { contents: 'y', user: me }));
    expect(fromContents.pending).toEqual({ diff: 'New file' });
    const modeAsked = await converge(k, managed, chunk('file', 'managed', path.join(tmp, 'm'), { contents: 'y', mode: '0600' }));
    expect(modeAsked.pending).toEqual({ diff: 'New file' });
    const empty = await converge(k, managed, chunk('file', 'managed', path.join(tmp, 'e'), {}));
    expect([empty.pending, empty.outcome.comment, readFileSync(path.join(tmp, 'e'), 'utf8')]).toEqual([{ new: `file ${path.join(tmp, 'e')} created` }, 'Empty file', '']);
  });

  it('reports a unified diff for a changed file, and mode/user/group changes', async () => {
    const name = path.join(tmp, 'x');
    writeFileSync(name, 'a\nb\nc\n', { mode: 0o600 });
    const c = chunk('file', 'managed', name, { contents: ['a', 'B', 'c'], mode: 644, user: 'nobody', group: 'nogroup' });
    const r = await converge(k, managed, c);
    expect(r.pending).toEqual({ diff: `--- \n+++ \n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n`, mode: '0644', user: 'nobody', group: 'nogroup' });
    const st = statSync(name);
    expect([readFileSync(name, 'utf8'), st.mode & 0o7777, st.uid]).toEqual(['a\nB\nc\n', 0o644, 65534]);
    expect(await recheck(k, managed, c)).toEqual({});
  });

  it('contents get a trailing newline unless contents_newline is false', async () => {
    const a = path.join(tmp, 'a');
    const b = path.join(tmp, 'b');
    await converge(k, managed, chunk('file', 'managed', a, { contents: 'x' }));
    await converge(k, managed, chunk('file', 'managed', b, { contents: 'x', contents_newline: false }));
    expect([readFileSync(a, 'utf8'), readFileSync(b, 'utf8')]).toEqual(['x\n', 'x']);
  });

  it('renders templates with defaults overridden by context', async () => {
    writeFileSync(path.join(root, 't.conf'), 'port={{ port }} host={{ host }}\n');
    const name = path.join(tmp, 't.conf');
    const c = chunk('file', 'managed', name, { source: 'salt://t.conf', template: 'jinja', defaults: { port: 80, host: 'a' }, context: { port: 8080 } });
    await converge(k, managed, c);
    expect(readFileSync(name, 'utf8')).toBe('port=8080 host=a\n');
    expect(await recheck(k, managed, c)).toEqual({});
  });

  it('makedirs creates parents; without it apply fails', async () => {
    const name = path.join(tmp, 'deep', 'er', 'f');
    const bad = chunk('file', 'managed', name, { contents: 'x' });
    const p = managed.parse('r', bad.args, bad);
    const pending = await managed.check(p, k.checkCtx(bad));
    await expect(managed.apply(p, pending, k.applyCtx(bad))).rejects.toThrow(/Parent directory not present/);
    const c = chunk('file', 'managed', name, { contents: 'x', makedirs: true, dir_mode: '0700' });
    await converge(k, managed, c);
    expect(statSync(path.dirname(name)).mode & 0o7777).toBe(0o700);
  });

  it('backup: minion copies the old file before replacing it', async () => {
    const name = path.join(tmp, 'b.conf');
    const bdir = path.join(tmp, 'backups');
    writeFileSync(name, 'old\n');
    await converge(k, managed, chunk('file', 'managed', name, { contents: 'new', backup: 'minion', backup_dir: bdir }));
    const dir = path.join(bdir, path.dirname(name).slice(1));
    const saved = readdirSync(dir).filter((n) => n.startsWith('b.conf_'));
    expect(saved).toHaveLength(1);
    expect(readFileSync(path.join(dir, saved[0]), 'utf8')).toBe('old\n');
    expect(readFileSync(name, 'utf8')).toBe('new\n');
  });

  it('check_cmd failing leaves the file untouched and reports the output', async () => {
    const name = path.join(tmp, 'c.conf');
    writeFileSync(name, 'good\n');
    const c = chunk('file', 'managed', name, { contents: 'bad', check_cmd: 'grep -q good' });
    const p = managed.parse('r', c.args, c);
    const pending = await managed.check(p, k.checkCtx(c));
    await expect(managed.apply(p, pending, k.applyCtx(c))).rejects.toThrow(/check_cmd "grep -q good" \(file not replaced\) failed with exit code 1/);
    expect(readFileSync(name, 'utf8')).toBe('good\n');
    expect(readdirSync(tmp).sort()).toEqual(['c.conf', 'roots']);
    // A passing check_cmd lets it through.
    await converge(k, managed, chunk('file', 'managed', name, { contents: 'good too', check_cmd: 'grep -q good' }));
    expect(readFileSync(name, 'utf8')).toBe('good too\n');
  });

  it('replace: false only creates; a missing source is an error', async () => {
    const name = path.join(tmp, 'keep');
    writeFileSync(name, 'mine\n');
    const c = chunk('file', 'managed', name, { contents: 'theirs', replace: false });
    expect(await recheck(k, managed, c)).toEqual({});
    const m = chunk('file', 'managed', path.join(tmp, 'm'), { source: ['salt://nope', 'salt://nope2'] });
    await expect(managed.check(managed.parse('r', m.args, m), k.checkCtx(m))).rejects.toThrow(/Source file salt:\/\/nope, salt:\/\/nope2 not found/);
  });

  it('writes through a symlink to its target', async () => {
    const real = path.join(tmp, 'real');
    writeFileSync(real, 'a\n');
    symlinkSync(real, path.join(tmp, 'link'));
    await converge(k, managed, chunk('file', 'managed', path.join(tmp, 'link'), { contents: 'b' }));
    expect(lstatSync(path.join(tmp, 'link')).isSymbolicLink()).toBe(true);
    expect(readFileSync(real, 'utf8')).toBe('b\n');
  });

  it('test mode: check with a reader changes nothing', async () => {
    writeFileSync(path.join(root, 's'), 'new\n');
    writeFileSync(path.join(tmp, 'e'), 'old\n');
    const before = snapshot(tmp);
    for (const [name, args] of [
      [path.join(tmp, 'e'), { source: 'salt://s', mode: '0600', backup: 'minion', backup_dir: path.join(tmp, 'bk'), check_cmd: 'true' }],
      [path.join(tmp, 'n', 'f'), { contents: 'x', makedirs: true }],
    ] as const) {
      const c = chunk('file', 'managed', name, args);
      const changes = await managed.check(managed.parse('r', c.args, c), k.checkCtx(c));
      expect(Object.keys(changes).length).toBeGreaterThan(0);
    }
    expect(snapshot(tmp)).toBe(before);
  });

  it('parse rejects bad arguments', () => {
    const bad = (name: string, args: Record<string, unknown>) => () => managed.parse('file.managed:x', args, chunk('file', 'managed', name, args));
    expect(bad('relative', {})).toThrow(StateArgError);
    expect(bad('/x', { mode: 'rw' })).toThrow(/mode: expected an octal mode/);
    expect(bad('/x', { template: 'mako', source: 'salt://a' })).toThrow(/template: unsupported/);
    expect(bad('/x', { source: 'salt://a', contents: 'b' })).toThrow(/mutually exclusive/);
    expect(bad('/x', { contents_pillar: { a: 1 } })).toThrow(/contents_pillar: expected a key or a list of keys/);
    expect(bad('/x', { contents_pillar: 'a', contents: 'b' })).toThrow(/Only one of contents, contents_pillar/);
    expect(bad('/x', { makedirs: 'yes' })).toThrow(/makedirs: expected true or false/);
  });
});

describe('file.directory', () => {
  // Changes as Salt 3006.1 reports them for the same trees (salt-call --local state.apply).
  it('recurse sets file_mode/dir_mode and owner below it; clean removes what no required file state manages', async () => {
    const d = path.join(tmp, 'rec');
    mkdirSync(path.join(d, 'x'), { recursive: true });
    writeFileSync(path.join(d, 'f'), 'a', { mode: 0o644 });
    writeFileSync(path.join(d, 'x', 'g'), 'a', { mode: 0o644 });
    const c = chunk('file', 'directory', d, { file_mode: 600, dir_mode: 700, recurse: ['mode'] });
    const r = await converge(k, directory, c);
    const at = (...p: string[]) => path.join(d, ...p);
    expect(r.outcome.changes).toEqual({ [at('f')]: { mode: '0600' }, [at('x')]: { mode: '0700' }, [at('x', 'g')]: { mode: '0600' }, [d]: { mode: '0700' }, mode: '0600' });
    expect([statSync(at('f')).mode & 0o777, statSync(at('x')).mode & 0o777, statSync(at('x', 'g')).mode & 0o777]).toEqual([0o600, 0o700, 0o600]);
    expect(r.after).toEqual({});
    const cl = path.join(tmp, 'cln');
    mkdirSync(path.join(cl, 'jd'), { recursive: true });
    for (const f of ['junk', 'jd/j', 'a.keep', 'kept']) writeFileSync(path.join(cl, f), 'x');
    const cc = chunk('file', 'directory', cl, { clean: true, exclude_pat: '*.keep' });
    cc.requisites = { require: [{ kind: 'file', target: path.join(cl, 'kept') }] };
    const rc = await converge(k, directory, cc);
    expect(rc.outcome.changes).toEqual({
      [path.join(cl, 'junk')]: { removed: 'Removed due to clean' },
      [path.join(cl, 'jd')]: { removed: 'Removed due to clean' },
      [path.join(cl, 'jd', 'j')]: { removed: 'Removed due to clean' },
      removed: [path.join(cl, 'jd'), path.join(cl, 'junk')],
    });
    expect(rc.outcome.comment).toBe(`Files cleaned from directory ${cl}`);
    expect(readdirSync(cl).sort()).toEqual(['a.keep', 'kept']);
    expect(() => directory.parse('r', { recurse: ['mode', 'bogus'] }, c)).toThrow(/Types for "recurse" limited to/);
  });

  it('creates with mode and owner, then converges', async () => {
    const name = path.join(tmp, 'd1', 'd2');
    const c = chunk('file', 'directory', name, { mode: 750, user: 'nobody', makedirs: true });
    const r = await converge(k, directory, c);
    expect(r.pending).toEqual({ [name]: { directory: 'new' } });
    const st = statSync(name);
    expect([st.isDirectory(), st.mode & 0o7777, st.uid]).toEqual([true, 0o750, 65534]);
    expect(await recheck(k, directory, c)).toEqual({});
    // Fix the mode of an existing directory.
    const c2 = chunk('file', 'directory', name, { mode: '0755' });
    const fixed = await converge(k, directory, c2);
    expect(fixed.pending).toEqual({ [name]: { mode: '0755' } });
    expect(fixed.outcome.changes).toEqual({ [name]: { mode: '0755' }, mode: '0755' });
    expect(statSync(name).mode & 0o7777).toBe(0o755);
  });
  it('errors on a file in the way or a missing parent without makedirs; test mode writes nothing', async () => {
    writeFileSync(path.join(tmp, 'f'), '');
    const f = chunk('file', 'directory', path.join(tmp, 'f'));
    await expect(directory.check(directory.parse('r', {}, f), k.checkCtx(f))).rejects.toThrow(/exists and is a file/);
    // A missing parent is pending in a dry run (an earlier state may create it) and an error only when applying.
    const m = chunk('file', 'directory', path.join(tmp, 'a', 'b'));
    const mp = directory.parse('r', {}, m);
    const pending = await directory.check(mp, k.checkCtx(m));
    expect(pending).toEqual({ [path.join(tmp, 'a', 'b')]: { directory: 'new' } });
    await expect(directory.apply(mp, pending, k.applyCtx(m))).rejects.toThrow(/No directory to create/);
    expect(existsSync(path.join(tmp, 'a'))).toBe(false);
    const before = snapshot(tmp);
    const ok = chunk('file', 'directory', path.join(tmp, 'new'));
    expect(await directory.check(directory.parse('r', {}, ok), k.checkCtx(ok))).toEqual({ [path.join(tmp, 'new')]: { directory: 'new' } });
    expect(snapshot(tmp)).toBe(before);
  });
});

describe('file.absent', () => {
  it('removes a file and a directory tree; converges; test mode keeps them', async () => {
    const f = path.join(tmp, 'f');
    const d = path.join(tmp, 'd');
    writeFileSync(f, 'x');
    mkdirSync(path.join(d, 'sub'), { recursive: true });
    const before = snapshot(tmp);
    const cf = chunk('file', 'absent', f);
    expect(await absent.check(absent.parse('r', {}, cf), k.checkCtx(cf))).toEqual({ removed: f });
    expect(snapshot(tmp)).toBe(before);
    expect((await converge(k, absent, cf)).outcome.comment).toBe(`Removed file ${f}`);
    expect((await converge(k, absent, chunk('file', 'absent', d))).outcome.comment).toBe(`Removed directory ${d}`);
    expect([existsSync(f), existsSync(d)]).toEqual([false, false]);
    expect(await recheck(k, absent, cf)).toEqual({});
    expect(() => absent.parse('r', {}, chunk('file', 'absent', '/'))).toThrow(/refusing/);
  });
});

describe('file.symlink', () => {
  it('creates, retargets, converges', async () => {
    const name = path.join(tmp, 'l');
    const c = chunk('file', 'symlink', name, { target: '/etc/hostname' });
    expect((await converge(k, symlink, c)).pending).toEqual({ new: name });
    expect(readlinkSync(name)).toBe('/etc/hostname');
    expect(await recheck(k, symlink, c)).toEqual({});
    const c2 = chunk('file', 'symlink', name, { target: '/etc/passwd' });
    expect((await converge(k, symlink, c2)).pending).toEqual({ change: name });
    expect(readlinkSync(name)).toBe('/etc/passwd');
  });
  it('refuses to replace a file without force, replaces it with force; makedirs; test mode writes nothing', async () => {
    const name = path.join(tmp, 'f');
    writeFileSync(name, 'x');
    const c = chunk('file', 'symlink', name, { target: '/etc/passwd' });
    await expect(symlink.check(symlink.parse('r', c.args, c), k.checkCtx(c))).rejects.toThrow(/File exists where the symlink/);
    const before = snapshot(tmp);
    const cf = chunk('file', 'symlink', name, { target: '/etc/passwd', force: true });
    // Salt 3006.1: replacing a file with force reports the link as new ("Created new symlink").
    expect(await symlink.check(symlink.parse('r', cf.args, cf), k.checkCtx(cf))).toEqual({ new: name });
    expect(snapshot(tmp)).toBe(before);
    expect((await converge(k, symlink, cf)).outcome.comment).toBe(`Created new symlink ${name} -> /etc/passwd`);
    expect(readlinkSync(name)).toBe('/etc/passwd');
    // backupname: the file in the way is moved there (a bare name: beside it) and the link made.
    const kept = path.join(tmp, 'kept');
    writeFileSync(kept, 'keep me');
    await converge(k, symlink, chunk('file', 'symlink', kept, { target: '/etc/hostname', backupname: 'kept.orig' }));
    expect([readlinkSync(kept), readFileSync(path.join(tmp, 'kept.orig'), 'utf8')]).toEqual(['/etc/hostname', 'keep me']);
    const deep = path.join(tmp, 'x', 'y', 'l');
    await converge(k, symlink, chunk('file', 'symlink', deep, { target: '../t', makedirs: true }));
    expect(readlinkSync(deep)).toBe('../t');
    expect(() => symlink.parse('r', {}, chunk('file', 'symlink', name))).toThrow(/target: required/);
    const orphan = chunk('file', 'symlink', path.join(tmp, 'no', 'l'), { target: '/etc/passwd' });
    const op = symlink.parse('r', orphan.args, orphan);
    const opPending = await symlink.check(op, k.checkCtx(orphan));
    expect(opPending).toEqual({ new: path.join(tmp, 'no', 'l') });
    await expect(symlink.apply(op, opPending, k.applyCtx(orphan))).rejects.toThrow(/is not present \(set makedirs: True\)/);
    expect(existsSync(path.join(tmp, 'no'))).toBe(false);
  });
});

describe('registry', () => {
  it('finds every state function and nothing else', () => {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { getStateFunction, stateModules } = require('./index') as typeof import('./index');
    expect(Object.keys(stateModules).sort()).toEqual(['alternatives', 'archive', 'cmd', 'cron', 'debconf', 'environ', 'file', 'group', 'host', 'ini', 'module', 'mount', 'pkg', 'pkgrepo', 'service', 'ssh_auth', 'sysctl', 'test', 'user']);
    expect(getStateFunction('file', 'managed')).toBe(managed);
    expect(getStateFunction('file', 'toString')).toBeUndefined();
    expect(getStateFunction('constructor', 'x')).toBeUndefined();
  });
});

// Salt 3006's file.touch: created empty ({new}), else its times updated ({touched}) on every run.
describe('file.touch', () => {
  it('creates an empty file, then touches it; atime/mtime set; a missing parent needs makedirs', async () => {
    const f = path.join(tmp, 'marker');
    const c = chunk('file', 'touch', f, { mtime: 1700000000 });
    const r = await converge(k, touch, c);
    expect([r.pending, r.outcome.changes, r.outcome.comment]).toEqual([{ new: f }, { new: f }, `Created empty file ${f}`]);
    expect([readFileSync(f, 'utf8'), Math.floor(statSync(f).mtimeMs / 1000)]).toEqual(['', 1700000000]);
    const again = await converge(k, touch, chunk('file', 'touch', f));
    expect([again.outcome.changes, again.outcome.comment]).toEqual([{ touched: f }, `Updated times on file ${f}`]);
    expect(Math.floor(statSync(f).mtimeMs / 1000)).toBeGreaterThan(1700000000);
    const deep = chunk('file', 'touch', path.join(tmp, 'a', 'b', 'm'));
    await expect(touch.apply(touch.parse('r', {}, deep), {}, k.applyCtx(deep))).rejects.toThrow(/Directory not present to touch file/);
    await converge(k, touch, chunk('file', 'touch', path.join(tmp, 'a', 'b', 'm'), { makedirs: true }));
    expect(existsSync(path.join(tmp, 'a', 'b', 'm'))).toBe(true);
  });
});

// Salt 3006.1's dry run of file.managed (salt-call --local state.apply test=True on the same SLS).
test('file.managed in a dry run: a new file is {newfile}, and the comment carries Salt\'s note', () => {
  const c = chunk('file', 'managed', '/srv/n', { contents: 'x', mode: 644 });
  const p = managed.parse('r', c.args, c);
  expect(managed.testChanges!(p, { diff: 'New file', mode: '0644' })).toEqual({ newfile: '/srv/n' });
  expect(managed.testChanges!(p, { diff: '--- \n+++ \n' })).toEqual({ diff: '--- \n+++ \n' });
  expect(managed.testComment!(p)).toBe('The file /srv/n is set to be changed\nNote: No changes made, actual changes may\nbe different due to other states.');
});

// Salt 3006.1 on the same files: the link is replaced by a regular file, the target keeps its content.
test('file.managed with follow_symlinks: False writes the file in the link\'s place', async () => {
  writeFileSync(path.join(tmp, 'target'), 'old\n');
  symlinkSync(path.join(tmp, 'target'), path.join(tmp, 'link'));
  const c = chunk('file', 'managed', path.join(tmp, 'link'), { contents: 'new', follow_symlinks: false });
  const r = await converge(k, managed, c);
  expect(r.pending).toEqual({ diff: '--- \n+++ \n@@ -1 +1 @@\n-old\n+new\n' });
  expect([lstatSync(path.join(tmp, 'link')).isSymbolicLink(), readFileSync(path.join(tmp, 'link'), 'utf8'), readFileSync(path.join(tmp, 'target'), 'utf8')]).toEqual([false, 'new\n', 'old\n']);
});

describe('file.exists / file.missing', () => {
  it('verify a path without changing anything, failing (in a dry run too) when it is not so', async () => {
    const { exists, missing } = fileModule.functions;
    const there = path.join(tmp, 'there');
    writeFileSync(there, 'x');
    symlinkSync(path.join(tmp, 'nowhere'), path.join(tmp, 'dangling'));
    const run = async (fn: typeof exists, name: string) => {
      const c = chunk('file', 'x', name);
      const p = fn.parse('r', c.args, c);
      return { changes: await fn.check(p, k.checkCtx(c)), comment: fn.okComment!(p) };
    };
    expect(await run(exists, there)).toEqual({ changes: {}, comment: `Path ${there} exists` });
    expect(await run(missing, path.join(tmp, 'nope'))).toEqual({ changes: {}, comment: `Path ${path.join(tmp, 'nope')} is missing` });
    await expect(run(exists, path.join(tmp, 'nope'))).rejects.toThrow(`Specified path ${path.join(tmp, 'nope')} does not exist`);
    await expect(run(missing, there)).rejects.toThrow(`Specified path ${there} exists`);
    // As os.path.exists: a dangling symlink does not exist.
    await expect(run(exists, path.join(tmp, 'dangling'))).rejects.toThrow(/does not exist/);
    expect(() => exists.parse('file.exists:x', {}, chunk('file', 'exists', 'rel/path'))).toThrow(/absolute/);
  });
});
