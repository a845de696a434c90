import { execFileSync } from 'child_process';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'fs';
import { sshAuthModule } from './ssh_auth';
import { chunk, converge, kit, recheck } from './testkit';

// A real user with a home; the expected bytes are what Salt 3006.1's ssh_auth states wrote from the same start.
const U = `brinessh${Math.random().toString(36).slice(2, 7)}`;
const HOME = `/home/${U}`;
const FILE = `${HOME}/.ssh/authorized_keys`;
const K1 = 'AAAAB3NzaC1yc2EAAAADAQABAAABAQC1';
const K2 = 'AAAAC3NzaC1lZDI1NTE5AAAAIO2x';
const k = kit();
const { present, absent } = sshAuthModule.functions;
beforeAll(() => execFileSync('useradd', ['-m', '-d', HOME, U]));
afterAll(() => execFileSync('userdel', ['-r', U], { stdio: 'ignore' }));

it('creates .ssh (0700) and authorized_keys (0600) owned by the user', async () => {
  const c = chunk('ssh_auth', 'present', K1, { user: U, comment: 'me@host' });
  const r = await converge(k, present, c);
  expect(r.pending).toEqual({ [K1]: 'New' });
  expect(r.outcome.comment).toBe(`The authorized host key ${K1} for user ${U} was added`);
  expect(readFileSync(FILE, 'utf8')).toBe(`ssh-rsa ${K1} me@host\n`);
  expect(statSync(`${HOME}/.ssh`).mode & 0o777).toBe(0o700);
  expect(statSync(FILE).mode & 0o777).toBe(0o600);
  expect(statSync(FILE).uid).toBe(Number(execFileSync('id', ['-u', U]).toString()));
  expect(await recheck(k, present, c)).toEqual({});
});

it("appends, updates in place and removes as Salt's ssh module does (bytes and mode kept)", async () => {
  mkdirSync(`${HOME}/.ssh`, { recursive: true });
  writeFileSync(FILE, '# mine\n\n  junk line\nssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC9 other');
  chmodSync(FILE, 0o640);
  const add = chunk('ssh_auth', 'present', K1, { user: U, comment: 'me@host' });
  await converge(k, present, add);
  const line = chunk('ssh_auth', 'present', `no-pty,from="10.0.0.1" ssh-ed25519 ${K2} two words`, { user: U });
  const p = present.parse('r', line.args, line);
  expect([p.key, p.enc, p.comment, p.options]).toEqual([K2, 'ssh-ed25519', 'two words', ['no-pty', 'from="10.0.0.1"']]);
  await converge(k, present, line);
  const upd = chunk('ssh_auth', 'present', `${K1} changed comment`, { user: U, options: ['no-agent-forwarding'] });
  const pu = present.parse('r', upd.args, upd);
  expect(await present.check(pu, k.checkCtx(upd))).toEqual({ [K1]: 'Updated' });
  expect(present.testComment!(pu)).toBe(`Key ${K1} for user ${U} is set to be updated`);
  expect((await converge(k, present, upd)).outcome.comment).toBe(`The authorized host key ${K1} for user ${U} was updated`);
  expect(readFileSync(FILE, 'utf8')).toBe(
    `# mine\njunk line\nssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC9 other\nno-agent-forwarding ssh-rsa ${K1} changed comment\nno-pty,from="10.0.0.1" ssh-ed25519 ${K2} two words\n`,
  );
  expect(statSync(FILE).mode & 0o777).toBe(0o640);
  const rm = chunk('ssh_auth', 'absent', `ssh-ed25519 ${K2}`, { user: U });
  expect((await converge(k, absent, rm)).outcome).toEqual({ changes: { [K2]: 'Removed' }, comment: 'Key removed' });
  expect(readFileSync(FILE, 'utf8')).toBe(`# mine\nssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC9 other\nno-agent-forwarding ssh-rsa ${K1} changed comment\n`);
  expect(await recheck(k, absent, rm)).toEqual({});
});

it('refuses an invalid key, an unknown enc, a missing user and source, with Salt words where Salt has them', async () => {
  const bad = chunk('ssh_auth', 'present', 'not base64!', { user: U });
  await expect(present.check(present.parse('r', bad.args, bad), k.checkCtx(bad))).rejects.toThrow('Invalid public ssh key, most likely has spaces or invalid syntax');
  expect(() => present.parse('ssh_auth.present:x', { user: U, enc: 'foo' }, chunk('ssh_auth', 'present', K1))).toThrow("Incorrect encryption key type 'foo'.");
  expect(() => present.parse('ssh_auth.present:x', {}, chunk('ssh_auth', 'present', K1))).toThrow(/user: required/);
  expect(() => present.parse('ssh_auth.present:x', { user: U, source: 'salt://keys' }, chunk('ssh_auth', 'present', K1))).toThrow(/source: keys from a file are not supported/);
  const nouser = chunk('ssh_auth', 'present', K1, { user: 'nosuchuserbrine' });
  await expect(present.check(present.parse('r', nouser.args, nouser), k.checkCtx(nouser))).rejects.toThrow("User 'nosuchuserbrine' does not exist");
});
