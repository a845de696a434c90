import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, lstatSync, readlinkSync, mkdirSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { LocalHostReader, LocalHostWriter, parseGroup, parsePasswd } from './local';

let dir: string;
beforeEach(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'brine-host-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('LocalHostReader', () => {
  const r = new LocalHostReader();
  it('returns null for missing paths and reads files', async () => {
    expect(await r.readFile(path.join(dir, 'nope'))).toBeNull();
    expect(await r.lstat(path.join(dir, 'nope', 'deeper'))).toBeNull();
    writeFileSync(path.join(dir, 'a'), 'hi', { mode: 0o640 });
    expect((await r.readFile(path.join(dir, 'a')))!.toString()).toBe('hi');
    expect(await r.stat(path.join(dir, 'a'))).toMatchObject({ type: 'file', mode: 0o640, size: 2 });
    expect(await r.readdir(dir)).toEqual(['a']);
    expect(await r.readlink(path.join(dir, 'a'))).toBeNull();
  });
  it('probes commands: string via sh, argv without a shell, never throwing on exit codes', async () => {
    expect(await r.probe('echo $((1+2)); exit 3')).toMatchObject({ code: 3, stdout: '3' });
    expect(await r.probe(['echo', '$HOME'])).toMatchObject({ code: 0, stdout: '$HOME' });
    expect((await r.probe('echo $FOO', { env: { FOO: 'bar' } })).stdout).toBe('bar');
    expect((await r.probe('pwd', { cwd: dir })).stdout).toBe(dir);
    expect((await r.probe(['cat'], { input: 'piped' })).stdout).toBe('piped');
    expect((await r.probe('echo $PATH')).stdout).toBe(process.env.PATH);
    expect((await r.probe(['sleep', '5'], { timeoutMs: 100 })).code).toBe(124);
  });
  it('throws on spawn failure with the command in the message', async () => {
    await expect(r.probe(['/no/such/binary-brine'])).rejects.toThrow(/cannot run "\/no\/such\/binary-brine"/);
  });
  it('runs as another user via runuser', async () => {
    expect((await r.probe('id -un', { runas: 'nobody' })).stdout).toBe('nobody');
  });
  it('parses passwd and group', async () => {
    expect(parsePasswd('root:x:0:0:root:/root:/bin/bash\n#c\nbad\n')).toEqual([{ name: 'root', uid: 0, gid: 0, gecos: 'root', home: '/root', shell: '/bin/bash' }]);
    expect(parseGroup('adm:x:4:syslog,bob\nnone:x:5:\n')).toEqual([
      { name: 'adm', gid: 4, members: ['syslog', 'bob'] },
      { name: 'none', gid: 5, members: [] },
    ]);
    expect(await r.user('root')).toMatchObject({ uid: 0, home: '/root' });
    expect(await r.group('root')).toMatchObject({ gid: 0 });
    expect(await r.user('no-such-user-brine')).toBeNull();
  });
});

describe('LocalHostWriter', () => {
  const w = new LocalHostWriter();
  it('writes atomically with mode and owner, leaving no temp files', async () => {
    const f = path.join(dir, 'f');
    await w.writeFileAtomic(f, 'one', { mode: 0o600, uid: 65534, gid: 65534 });
    expect(readFileSync(f, 'utf8')).toBe('one');
    const st = statSync(f);
    expect([st.mode & 0o7777, st.uid, st.gid]).toEqual([0o600, 65534, 65534]);
    await w.writeFileAtomic(f, 'two');
    const st2 = statSync(f);
    expect([readFileSync(f, 'utf8'), st2.mode & 0o7777, st2.uid]).toEqual(['two', 0o600, 65534]);
    expect(readdirSync(dir)).toEqual(['f']);
  });
  it('removes the temp file and throws when the write fails', async () => {
    mkdirSync(path.join(dir, 'isdir'));
    await expect(w.writeFileAtomic(path.join(dir, 'isdir'), 'x')).rejects.toThrow(/write .*isdir/);
    expect(readdirSync(dir)).toEqual(['isdir']);
    await expect(w.writeFileAtomic(path.join(dir, 'missing', 'f'), 'x')).rejects.toThrow(/missing/);
  });
  it('mkdir applies mode and owner to every created level', async () => {
    const d = path.join(dir, 'a', 'b', 'c');
    await w.mkdir(d, { recursive: true, mode: 0o750, uid: 65534 });
    for (const p of ['a', 'a/b', 'a/b/c']) {
      const st = statSync(path.join(dir, p));
      expect([st.mode & 0o7777, st.uid]).toEqual([0o750, 65534]);
    }
  });
  it('symlink replaces atomically; remove removes trees; run returns codes', async () => {
    const l = path.join(dir, 'l');
    await w.symlink('/etc/hostname', l);
    await w.symlink('/etc/passwd', l);
    expect(readlinkSync(l)).toBe('/etc/passwd');
    expect(lstatSync(l).isSymbolicLink()).toBe(true);
    await w.mkdir(path.join(dir, 't', 'u'), { recursive: true });
    await w.remove(path.join(dir, 't'));
    expect(await w.lstat(path.join(dir, 't'))).toBeNull();
    const r = await w.run(['sh', '-c', 'echo out; echo err >&2; exit 7']);
    expect(r).toMatchObject({ code: 7, stdout: 'out', stderr: 'err' });
    expect(r.pid).toBeGreaterThan(0);
  });
});
