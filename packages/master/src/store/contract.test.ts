/**
 * The store contract: the same assertions against the embedded on-disk store and against PostgreSQL (a real server
 * started for this file). Each test gets a fresh store (a new directory, a new database).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { nullLogger, type Dict } from '@brine/core';
import { createKeyPair } from '@brine/protocol';
import { startPostgres, type PgServer } from '../../../../test/helpers/postgres';
import { newJid, type JobRecord, type ReturnRecord } from '../jobcache';
import { QuotaExceeded, QuotaRefusals } from '../quota';
import { DiskStore } from './disk';
import type { KeyPolicy } from './key-rules';
import { PgStore } from './pg/store';
import type { KeyState, Store, Subjects } from './types';

interface Opts {
  policy?: KeyPolicy;
  quotaBytes?: number;
  keepJobsHours?: number;
}

let pg: PgServer;
beforeAll(async () => {
  pg = await startPostgres();
}, 120_000);
afterAll(async () => {
  await pg?.stop();
});

const dirs: string[] = [];
const opened: Store[] = [];
afterEach(async () => {
  for (const s of opened.splice(0)) await s.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

let dbs = 0;
/** Spoil a stored key the way each store can be spoiled (a truncated file, a bad row). */
type Damage = (s: Store, state: KeyState, id: string) => Promise<void>;

/** Each backend: a way to open a fresh store (each call on the same data: a restarted master), and to damage a key. */
const backends: [string, () => Promise<(o?: Opts) => Promise<Store>>, Damage][] = [
  [
    'disk',
    async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-store-'));
      dirs.push(dir);
      return async (o: Opts = {}) => {
        const q = o.quotaBytes ?? 10_000_000;
        const s = DiskStore.open({
          keysDir: path.join(dir, 'pki', 'minions'),
          cachedir: path.join(dir, 'cache'),
          keepJobsHours: o.keepJobsHours ?? 24,
          policy: o.policy,
          master: 'm1',
          quota: { jobCacheBytes: q, mineBytes: q, grainsBytes: q, refusals: new QuotaRefusals(nullLogger) },
        });
        opened.push(s);
        return s;
      };
    },
    async (s, state, id) => fs.writeFileSync(path.join((s as DiskStore).keys.keys.dir, state, id), '-----BEGIN PUBLIC KEY-----\nMIIBIjAN'),
  ],
  [
    'postgresql',
    async () => {
      const dsn = await pg.newDatabase(`contract_${++dbs}`);
      return async (o: Opts = {}) => {
        const q = o.quotaBytes ?? 10_000_000;
        const s = await PgStore.open({
          dsn,
          master: 'm1',
          keepJobsHours: o.keepJobsHours ?? 24,
          policy: o.policy,
          quota: { jobCacheBytes: q, mineBytes: q, grainsBytes: q, refusals: new QuotaRefusals(nullLogger) },
        });
        opened.push(s);
        return s;
      };
    },
    async (s, state, id) => {
      await (s as PgStore).db.query('UPDATE brine_keys SET pem = $3 WHERE minion_id = $1 AND state = $2', [id, state, '-----BEGIN PUBLIC KEY-----\nMIIBIjAN']);
    },
  ],
];

const keyA = createKeyPair().publicPem;
const keyB = createKeyPair().publicPem;

function job(jid: string, expected: string[], extra: Partial<JobRecord> = {}): JobRecord {
  return { jid, fun: 'test.ping', arg: [], kwarg: {}, tgt: '*', tgt_type: 'glob', expected, user: 'root', started: new Date().toISOString(), ...extra };
}

function ret(jid: string, id: string, value: unknown = true): ReturnRecord {
  return { id, jid, fun: 'test.ping', ret: value, retcode: 0, success: true, outcome: 'ok', received: new Date().toISOString() };
}

/** A jid of the given time (newJid never goes back in time within a process). */
function jidAt(ms: number): string {
  return `${new Date(ms).toISOString().replace(/[^0-9]/g, '').slice(0, 17)}${String(Math.floor(Math.random() * 1000)).padStart(3, '0')}`;
}

const subjects = (grains: Record<string, Dict>): Subjects => ({ subject: (id) => ({ id, grains: { id, ...(grains[id] ?? {}) }, pillar: {} }) });

describe.each(backends)('store contract: %s', (_name, fresh, damage) => {
  let open: (o?: Opts) => Promise<Store>;
  beforeEach(async () => {
    open = await fresh();
  });

  test('auth decisions: new keys wait as pending, a different key is denied, accepted keys pass; list, read, stateOf, fingers', async () => {
    const s = await open();
    expect(await s.keys.decide('web1', keyA)).toEqual({ state: 'pending', created: true });
    expect(await s.keys.decide('web1', keyA)).toEqual({ state: 'pending' });
    expect(await s.keys.decide('web1', keyB)).toEqual({ state: 'denied', conflict: true });
    expect(await s.keys.count('pending')).toBe(1);
    expect(await s.keys.accept('web*')).toEqual(['web1']);
    expect(await s.keys.decide('web1', keyA)).toEqual({ state: 'accepted' });
    expect(await s.keys.list()).toEqual({ accepted: ['web1'], pending: [], rejected: [], denied: ['web1'] });
    expect(await s.keys.read('accepted', 'web1')).toBe(keyA);
    expect(await s.keys.read('pending', 'web1')).toBeNull();
    expect(await s.keys.stateOf('web1')).toBe('accepted');
    expect(await s.keys.stateOf('nobody')).toBeNull();
    const f = await s.keys.fingers('web*');
    expect(Object.keys(f.accepted)).toEqual(['web1']);
    expect(f.accepted.web1).toMatch(/^([0-9a-f]{2}:)+[0-9a-f]{2}$/);
    expect(f.denied.web1).not.toBe(f.accepted.web1);
    expect(await s.keys.fingers('db*')).toEqual({ accepted: {}, pending: {}, rejected: {}, denied: {} });
    expect(await s.keys.read('accepted', '../etc')).toBeNull();
    await expect(s.keys.stateOf('../etc')).rejects.toThrow(/not valid/);
  });

  test('reject, accept of rejected keys, delete in every state; each change in the history with who, where and when', async () => {
    const s = await open();
    await s.keys.decide('a1', keyA);
    await s.keys.decide('b1', keyB);
    expect(await s.keys.accept('a1', false, 'alice')).toEqual(['a1']);
    expect(await s.keys.reject('a1')).toEqual([]);
    expect(await s.keys.reject('a1', true, 'bob')).toEqual(['a1']);
    expect(await s.keys.decide('a1', keyA)).toEqual({ state: 'rejected' });
    expect(await s.keys.accept('a1')).toEqual([]);
    expect(await s.keys.accept('a1', true)).toEqual(['a1']);
    expect(await s.keys.delete('*', 'carol')).toEqual(['a1', 'b1']);
    expect(await s.keys.stateOf('a1')).toBeNull();
    expect(await s.keys.list()).toEqual({ accepted: [], pending: [], rejected: [], denied: [] });

    const h = await s.keys.history('a1');
    expect(h.map((c) => [c.from, c.to, c.by])).toEqual([
      [null, 'pending', 'minion'],
      ['pending', 'accepted', 'alice'],
      ['accepted', 'rejected', 'bob'],
      ['rejected', 'accepted', 'operator'],
      ['accepted', null, 'carol'],
    ]);
    const finger = (await open()).keys; // the same store again (a restarted master): the history persists
    expect((await finger.history('a1')).length).toBe(5);
    expect(h.every((c) => c.master === 'm1' && c.id === 'a1' && !Number.isNaN(Date.parse(c.at)))).toBe(true);
    expect(h[1]!.fingerprint).toMatch(/^[0-9a-f:]+$/);
    expect((await s.keys.history()).filter((c) => c.id === 'b1').map((c) => c.to)).toEqual(['pending', null]);
  });

  test('a damaged accepted key: the minion waits as pending and its real key is not denied; fingers names it', async () => {
    const s = await open();
    await s.keys.decide('web1', keyA);
    await s.keys.decide('web2', keyB);
    await s.keys.accept('web*');
    await damage(s, 'accepted', 'web1');
    const d = await s.keys.decide('web1', keyA);
    expect(d.state).toBe('pending');
    expect(d.damaged).toMatch(/accepted\/web1$/);
    expect((await s.keys.list()).denied).toEqual([]);
    const damaged: string[] = [];
    const f = await s.keys.fingers('*', damaged);
    expect(Object.keys(f.accepted)).toEqual(['web2']);
    expect(damaged).toEqual([d.damaged]);
  });

  test('auto_accept and max_pending_keys', async () => {
    const auto = await open({ policy: { autoAccept: true } });
    expect(await auto.keys.decide('lab1', keyA)).toEqual({ state: 'accepted' });
    expect((await auto.keys.history('lab1')).map((c) => [c.from, c.to, c.by])).toEqual([[null, 'accepted', 'autosign']]);
    await auto.keys.delete('*');
    const capped = await open({ policy: { maxPending: 1 } });
    expect(await capped.keys.decide('p1', keyA)).toEqual({ state: 'pending', created: true });
    expect(await capped.keys.decide('p2', keyB)).toEqual({ state: 'pending', full: true });
    expect((await capped.keys.list()).pending).toEqual(['p1']);
  });

  test('expirePending removes pending keys older than the age given, and only those', async () => {
    const s = await open();
    await s.keys.decide('old1', keyA);
    await s.keys.decide('acc1', keyB);
    await s.keys.accept('acc1');
    expect(await s.keys.expirePending(60_000)).toEqual([]);
    expect(await s.keys.expirePending(60_000, Date.now() + 120_000)).toEqual(['old1']);
    expect(await s.keys.list()).toEqual({ accepted: ['acc1'], pending: [], rejected: [], denied: [] });
    expect((await s.keys.history('old1')).map((c) => [c.from, c.to, c.by])).toEqual([
      [null, 'pending', 'minion'],
      ['pending', null, 'expiry'],
    ]);
  });

  test('jobs: recorded once per jid, expected minions, one claim per minion, returns by minion, who did not return', async () => {
    const s = await open();
    const jid = newJid();
    const j = job(jid, ['m2', 'm1', 'm3'], { arg: ['x', 1], kwarg: { a: { b: [1, 2] } } });
    expect(await s.jobs.recordJob(j)).toBe(true);
    expect(await s.jobs.recordJob({ ...j, fun: 'cmd.run' })).toBe(false);
    expect(await s.jobs.job(jid)).toEqual(j);
    expect(await s.jobs.job('123')).toBeNull();
    expect(await s.jobs.job(newJid())).toBeNull();
    expect(await s.jobs.claim(jid, 'm1')).toBe(true);
    expect(await s.jobs.claim(jid, 'm1')).toBe(false);
    expect(await s.jobs.claim(jid, 'm2')).toBe(true);
    expect(await s.jobs.claim(jid, 'stranger')).toBe(false);
    expect(await s.jobs.missing(jid)).toEqual(['m1', 'm2', 'm3']);
    await s.jobs.recordReturn(ret(jid, 'm3', { deep: ['v'] }));
    await s.jobs.recordReturn(ret(jid, 'm1', 'first'));
    await s.jobs.recordReturn(ret(jid, 'm1', 'second'));
    expect((await s.jobs.returns(jid)).map((r) => [r.id, r.ret])).toEqual([
      ['m1', 'second'],
      ['m3', { deep: ['v'] }],
    ]);
    expect(await s.jobs.readReturns(jid)).toEqual({ returns: await s.jobs.returns(jid), damaged: [] });
    expect(await s.jobs.missing(jid)).toEqual(['m2']);
    await s.jobs.recordReturn({ ...ret(jid, 'bad/id') });
    expect((await s.jobs.returns(jid)).length).toBe(2);
    await expect(s.jobs.recordReturn(ret('2024', 'm1'))).rejects.toThrow(/not valid/);
    await expect(s.jobs.recordJob(job('x', []))).rejects.toThrow(/not valid/);
    const later = newJid();
    await s.jobs.recordJob(job(later, ['m1']));
    expect((await s.jobs.list()).map((x) => x.jid)).toEqual([jid, later]);
  });

  test('quotas: returns and scheduled-job records count per minion; over the quota nothing is stored', async () => {
    const s = await open({ quotaBytes: 4 * 4096 });
    const jid = newJid();
    await s.jobs.recordJob(job(jid, ['m1']));
    await s.jobs.recordReturn(ret(jid, 'm1'));
    expect(await s.jobs.used('m1')).toBe(4096);
    const sched = job(newJid(), ['m1'], { user: 'schedule:nightly', tgt: 'm1', tgt_type: 'list' });
    await s.jobs.recordReturn(ret(sched.jid, 'm1'), sched);
    expect(await s.jobs.job(sched.jid)).toEqual(sched);
    expect(await s.jobs.used('m1')).toBe(4096 + 4096 + 4096 + 4096);
    const third = newJid();
    await s.jobs.recordJob(job(third, ['m1']));
    await expect(s.jobs.recordReturn(ret(third, 'm1'))).rejects.toBeInstanceOf(QuotaExceeded);
    expect(await s.jobs.returns(third)).toEqual([]);
    expect(await s.jobs.used('m1')).toBe(4 * 4096);
    expect(await s.jobs.used('m2')).toBe(0);
  });

  test('prune removes jobs and returns older than keep_jobs hours and keeps the rest', async () => {
    const s = await open({ keepJobsHours: 1 });
    const now = Date.now();
    const old = jidAt(now - 3 * 3600_000);
    await s.jobs.recordJob(job(old, ['m1']));
    await s.jobs.recordReturn(ret(old, 'm1'));
    const fresh = jidAt(now);
    await s.jobs.recordJob(job(fresh, ['m1']));
    expect(await s.jobs.prune(now)).toBe(1);
    expect(await s.jobs.job(old)).toBeNull();
    expect(await s.jobs.returns(old)).toEqual([]);
    expect((await s.jobs.list()).map((j) => j.jid)).toEqual([fresh]);
    expect(await s.jobs.used('m1')).toBe(0);
    expect(await s.jobs.prune(now)).toBe(0);
  });

  test('mine: merge and clear, per-function ACLs, only accepted matching minions read; the quota', async () => {
    const s = await open({ quotaBytes: 2000 });
    await s.mine.update('web1', { 'net.ip': '10.0.0.1', 'disk.usage': 5 }, { 'net.ip': { tgt: 'db*', tgtType: 'glob' } });
    await s.mine.update('web2', { 'net.ip': '10.0.0.2' });
    await s.mine.update('web3', { 'net.ip': '10.0.0.3' });
    await s.mine.update('web2', { 'disk.usage': 7 });
    expect(await s.mine.of('web2')).toEqual({ 'net.ip': '10.0.0.2', 'disk.usage': 7 });
    expect(await s.mine.ids()).toEqual(['web1', 'web2', 'web3']);
    const subj = subjects({ web1: { role: 'web' }, web2: { role: 'web' }, db1: { role: 'db' } });
    const accepted = new Set(['web1', 'web2', 'db1', 'web9']);
    expect(await s.mine.get('web*', 'net.ip', 'glob', subj, accepted, {}, null)).toEqual({ web1: '10.0.0.1', web2: '10.0.0.2' });
    expect(await s.mine.get('web*', 'net.ip', 'glob', subj, accepted, {}, 'db1')).toEqual({ web1: '10.0.0.1', web2: '10.0.0.2' });
    expect(await s.mine.get('web*', 'net.ip', 'glob', subj, accepted, {}, 'web2')).toEqual({ web2: '10.0.0.2' });
    expect(await s.mine.get('role:web', 'disk.usage', 'grain', subj, accepted, {}, 'web2')).toEqual({ web1: 5, web2: 7 });
    await s.mine.update('web1', { 'test.ping': true }, {}, true);
    expect(await s.mine.of('web1')).toEqual({ 'test.ping': true });
    expect(await s.mine.get('web*', 'net.ip', 'glob', subj, accepted, {}, 'web2')).toEqual({ web2: '10.0.0.2' });
    await expect(s.mine.update('web1', { big: 'x'.repeat(3000) })).rejects.toBeInstanceOf(QuotaExceeded);
    expect(await s.mine.of('web1')).toEqual({ 'test.ping': true });
    await s.mine.delete('web1');
    expect(await s.mine.of('web1')).toBeUndefined();
    expect(await s.mine.ids()).toEqual(['web2', 'web3']);
  });

  test('grains: stored as reported, all of them for a starting master, forgotten with the key; the quota', async () => {
    const s = await open({ quotaBytes: 1000 });
    await s.grains.setGrains('m1', { os: 'Debian', roles: ['web'], nested: { a: 1 } });
    await s.grains.setGrains('m2', { os: 'Alpine' });
    await s.grains.setGrains('m2', { os: 'Debian' });
    expect(await s.grains.grains('m1')).toEqual({ os: 'Debian', roles: ['web'], nested: { a: 1 } });
    expect(await s.grains.grains('m3')).toBeUndefined();
    await expect(s.grains.setGrains('m1', { blob: 'x'.repeat(2000) })).rejects.toBeInstanceOf(QuotaExceeded);
    expect(await s.grains.grains('m1')).toEqual({ os: 'Debian', roles: ['web'], nested: { a: 1 } });
    expect(await (await open()).grains.all()).toEqual({ m1: { os: 'Debian', roles: ['web'], nested: { a: 1 } }, m2: { os: 'Debian' } });
    await s.grains.forget('m1');
    expect(await s.grains.grains('m1')).toBeUndefined();
  });

  test('everything survives a restart: keys, jobs, returns, mine', async () => {
    const s = await open();
    await s.keys.decide('k1', keyA);
    await s.keys.accept('k1');
    const jid = newJid();
    await s.jobs.recordJob(job(jid, ['k1']));
    await s.jobs.recordReturn(ret(jid, 'k1', { ok: 1 }));
    await s.mine.update('k1', { f: [1] });
    await s.close();
    opened.splice(opened.indexOf(s), 1);
    const again = await open();
    expect(await again.keys.stateOf('k1')).toBe('accepted');
    expect((await again.jobs.job(jid))?.expected).toEqual(['k1']);
    expect((await again.jobs.returns(jid)).map((r) => r.ret)).toEqual([{ ok: 1 }]);
    expect(await again.mine.of('k1')).toEqual({ f: [1] });
  });
});
