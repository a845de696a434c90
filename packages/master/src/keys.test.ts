import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createKeyPair } from '@brine/protocol';
import { KeyStore } from './keys';

let dir: string;
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-keys-'))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const a = createKeyPair().publicPem;
const b = createKeyPair().publicPem;

test('new keys wait as pending; accepted keys are accepted; a different key for a known id is denied and recorded', () => {
  const ks = new KeyStore(dir);
  expect(ks.decide('web1', a)).toEqual({ state: 'pending', created: true });
  expect(ks.decide('web1', b)).toEqual({ state: 'denied', conflict: true });
  expect(ks.accept('web*')).toEqual(['web1']);
  expect(ks.decide('web1', a)).toEqual({ state: 'accepted' });
  expect(ks.decide('web1', b)).toEqual({ state: 'denied', conflict: true });
  expect(ks.list()).toEqual({ accepted: ['web1'], pending: [], rejected: [], denied: ['web1'] });
  expect(ks.read('accepted', 'web1')).toBe(a);
});

test('reject touches pending keys unless accepted ones are included; rejected keys stay rejected', () => {
  const ks = new KeyStore(dir);
  ks.decide('a1', a);
  ks.accept('a1');
  expect(ks.reject('a1')).toEqual([]);
  expect(ks.reject('a1', true)).toEqual(['a1']);
  expect(ks.decide('a1', a)).toEqual({ state: 'rejected' });
  expect(ks.accept('a1')).toEqual([]);
  expect(ks.accept('a1', true)).toEqual(['a1']);
  expect(ks.delete('*')).toEqual(['a1']);
  expect(ks.stateOf('a1')).toBeNull();
});

test('auto_accept and the autosign file (globs, comments) accept at first contact; both are off by default', () => {
  const autosign = path.join(dir, 'autosign.conf');
  fs.writeFileSync(autosign, '# trusted\nlab-*\n');
  const ks = new KeyStore(path.join(dir, 'k'), { autosignFile: autosign });
  expect(ks.decide('lab-app1', a)).toEqual({ state: 'accepted' });
  expect(ks.decide('prod-db1', b)).toEqual({ state: 'pending', created: true });
  expect(new KeyStore(path.join(dir, 'k2'), { autoAccept: true }).decide('any', a)).toEqual({ state: 'accepted' });
  expect(new KeyStore(path.join(dir, 'k3')).decide('any', a)).toEqual({ state: 'pending', created: true });
});

test('ids that would escape the key directory are refused', () => {
  const ks = new KeyStore(dir);
  expect(() => ks.decide('../etc/passwd', a)).toThrow(/not valid/);
  expect(() => ks.decide('.hidden', a)).toThrow(/not valid/);
});

test('pending keys are capped (max_pending_keys) and expire; ids with .tmp- are refused', () => {
  const ks = new KeyStore(path.join(dir, 'cap'), { maxPending: 2 });
  expect(ks.decide('p1', a)).toEqual({ state: 'pending', created: true });
  expect(ks.decide('p2', b)).toEqual({ state: 'pending', created: true });
  expect(ks.decide('p3', a)).toEqual({ state: 'pending', full: true });
  expect(ks.decide('p1', a)).toEqual({ state: 'pending' });
  expect(ks.list().pending).toEqual(['p1', 'p2']);
  expect(ks.expirePending(60_000)).toEqual([]);
  expect(ks.expirePending(60_000, Date.now() + 120_000).sort()).toEqual(['p1', 'p2']);
  expect(ks.list().pending).toEqual([]);
  expect(() => ks.decide('x.tmp-1', a)).toThrow(/not valid/);
});
