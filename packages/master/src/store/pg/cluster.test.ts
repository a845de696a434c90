/**
 * What only a shared PostgreSQL store does: masters on one database seeing each other's changes at once, the
 * LISTEN/NOTIFY channel between them, races between masters, migrations, and clear errors for bad DSNs and outages.
 * A real server is started for this file.
 */
import * as net from 'net';
import { nullLogger } from '@brine/core';
import { createKeyPair } from '@brine/protocol';
import { startPostgres, type PgServer } from '../../../../../test/helpers/postgres';
import { newJid, type JobRecord } from '../../jobcache';
import { QuotaRefusals } from '../../quota';
import type { KeyPolicy } from '../key-rules';
import { StoreConfigError, StoreUnavailable } from './connect';
import { migrate, MIGRATIONS, MINION_LOCK, SCHEMA_VERSION, SchemaTooNew, schemaVersion } from './migrations';
import { ClusterMismatch } from './members';
import { ClusterListener, notify, payloads, type ClusterEvent } from './notify';
import { PgStore } from './store';

let pg: PgServer;
beforeAll(async () => {
  pg = await startPostgres();
}, 120_000);
afterAll(async () => {
  await pg?.stop();
});

const opened: PgStore[] = [];
const listeners: ClusterListener[] = [];
afterEach(async () => {
  for (const l of listeners.splice(0)) await l.close();
  for (const s of opened.splice(0)) await s.close();
});

let dbs = 0;
const freshDb = () => pg.newDatabase(`cluster_${++dbs}`);

async function openStore(dsn: string, master: string, policy?: KeyPolicy): Promise<PgStore> {
  const s = await PgStore.open({ dsn, master, keepJobsHours: 24, policy, connectTimeoutMs: 3000, quota: { jobCacheBytes: 1e7, mineBytes: 1e7, grainsBytes: 1e7, refusals: new QuotaRefusals(nullLogger) } });
  opened.push(s);
  return s;
}

async function listen(s: PgStore): Promise<{ l: ClusterListener; events: ClusterEvent[]; next: (pred: (e: ClusterEvent) => boolean) => Promise<ClusterEvent> }> {
  const l = s.listener({ minDelayMs: 50, maxDelayMs: 500 });
  listeners.push(l);
  const events: ClusterEvent[] = [];
  l.on('event', (e: ClusterEvent) => events.push(e));
  await l.start();
  const next = (pred: (e: ClusterEvent) => boolean) =>
    new Promise<ClusterEvent>((resolve) => {
      const seen = events.find(pred);
      if (seen) return resolve(seen);
      const on = (e: ClusterEvent) => {
        if (!pred(e)) return;
        l.off('event', on);
        resolve(e);
      };
      l.on('event', on);
    });
  return { l, events, next };
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** RSA key generation is slow: a few keys made once, handed out in turn (distinct ids may share one). */
const KEYS = Array.from({ length: 4 }, () => createKeyPair().publicPem);
let turn = 0;
const key = () => KEYS[turn++ % KEYS.length]!;
const job = (jid: string, expected: string[]): JobRecord => ({ jid, fun: 'test.ping', arg: [], kwarg: {}, tgt: '*', tgt_type: 'glob', expected, user: 'root', started: new Date().toISOString() });

test('two masters on one database: a key accepted on A is accepted for B at once; deleted on B, it is gone for A', async () => {
  const dsn = await freshDb();
  const a = await openStore(dsn, 'master-a');
  const b = await openStore(dsn, 'master-b');
  const k = key();
  expect(await b.keys.decide('web1', k)).toEqual({ state: 'pending', created: true });
  expect(await a.keys.accept('web1', false, 'alice')).toEqual(['web1']);
  expect(await b.keys.decide('web1', k)).toEqual({ state: 'accepted' });
  expect(await b.keys.stateOf('web1')).toBe('accepted');
  expect(await b.keys.delete('web1', 'bob')).toEqual(['web1']);
  expect(await a.keys.stateOf('web1')).toBeNull();
  expect(await a.keys.read('accepted', 'web1')).toBeNull();
  expect((await a.keys.history('web1')).map((c) => [c.to, c.by, c.master])).toEqual([
    ['pending', 'minion', 'master-b'],
    ['accepted', 'alice', 'master-a'],
    [null, 'bob', 'master-b'],
  ]);
});

test('LISTEN/NOTIFY: key changes, jobs and returns on A reach B; nothing is sent for a transaction rolled back', async () => {
  const dsn = await freshDb();
  const a = await openStore(dsn, 'master-a');
  const b = await openStore(dsn, 'master-b');
  const { events, next } = await listen(b);
  await expect(
    a.db.tx(async (c) => {
      await notify(c, { kind: 'job', jid: '00000000000000000000', master: 'master-a' });
      throw new Error('changed my mind');
    }),
  ).rejects.toThrow('changed my mind');
  await a.keys.decide('web1', key());
  expect(await next((e) => e.kind === 'key')).toEqual({ kind: 'key', ids: ['web1'], state: 'pending', master: 'master-a' });
  const jid = newJid();
  expect(await a.jobs.recordJob(job(jid, ['web1']))).toBe(true);
  expect(await next((e) => e.kind === 'job')).toEqual({ kind: 'job', jid, master: 'master-a' });
  await a.jobs.recordReturn({ id: 'web1', jid, fun: 'test.ping', ret: true, retcode: 0, success: true, received: new Date().toISOString() });
  expect(await next((e) => e.kind === 'return')).toEqual({ kind: 'return', rets: [[jid, 'web1']], master: 'master-a' });
  // The rolled-back notification never arrived, and the three came in commit order.
  expect(events.map((e) => e.kind)).toEqual(['key', 'job', 'return']);
  const ids = Array.from({ length: 100 }, (_, i) => `m${String(i).padStart(3, '0')}`);
  for (const id of ids) await a.keys.decide(id, key());
  const before = events.length;
  expect((await a.keys.accept('m*')).length).toBe(100);
  await next((e) => e.kind === 'key' && e.state === 'accepted' && e.ids.includes('m099'));
  expect(
    events
      .slice(before)
      .filter((e) => e.kind === 'key' && e.state === 'accepted')
      .flatMap((e) => (e.kind === 'key' ? e.ids : [])),
  ).toEqual(ids);
});

test('the same job published by two masters at once is recorded once, and each minion is claimed by one master only', async () => {
  const dsn = await freshDb();
  const a = await openStore(dsn, 'master-a');
  const b = await openStore(dsn, 'master-b');
  const minions = Array.from({ length: 20 }, (_, i) => `m${i}`);
  const j = job(newJid(), minions);
  const recorded = await Promise.all([a.jobs.recordJob(j), b.jobs.recordJob({ ...j, user: 'other' })]);
  expect(recorded.filter(Boolean).length).toBe(1);
  const claims = await Promise.all(minions.flatMap((m) => [a.jobs.claim(j.jid, m), b.jobs.claim(j.jid, m)]));
  for (let i = 0; i < minions.length; i++) expect([claims[2 * i], claims[2 * i + 1]].filter(Boolean).length).toBe(1);
  const rows = await a.db.query<{ n: string }>('SELECT count(*) AS n FROM brine_job_minions WHERE jid = $1', [j.jid]);
  expect(Number(rows[0]!.n)).toBe(20);
  const r = (id: string, by: string) => ({ id, jid: j.jid, fun: 'test.ping', ret: by, retcode: 0, success: true, received: new Date().toISOString() });
  await Promise.all(minions.flatMap((m) => [a.jobs.recordReturn(r(m, 'a')), b.jobs.recordReturn(r(m, 'b'))]));
  expect((await b.jobs.returns(j.jid)).map((x) => x.id).sort()).toEqual([...minions].sort());
  expect(await a.jobs.missing(j.jid)).toEqual([]);
});

test('returns arriving together are written as one batch with one notice; a quota refusal and a row the store refuses fail alone', async () => {
  const dsn = await freshDb();
  const refusals = new QuotaRefusals(nullLogger);
  const a = await PgStore.open({ dsn, master: 'master-a', keepJobsHours: 24, connectTimeoutMs: 3000, quota: { jobCacheBytes: 2 * 4096, mineBytes: 1e7, grainsBytes: 1e7, refusals } });
  opened.push(a);
  const b = await openStore(dsn, 'master-b');
  const { events, next } = await listen(b);
  const minions = Array.from({ length: 300 }, (_, i) => `batch${String(i).padStart(3, '0')}`);
  const jids = [newJid(), newJid(), newJid()];
  for (const jid of jids) await a.jobs.recordJob(job(jid, [...minions, 'hog', 'bad']));
  // A quota of 2 blocks a minion: its third return in one batch is over it.
  const ret = (id: string, jid: string) => ({ id, jid, fun: 'test.ping', ret: true, retcode: 0, success: true, received: new Date().toISOString() });
  const before = events.length;
  const all = [...minions.map((m) => ret(m, jids[0]!)), ...jids.map((jid) => ret('hog', jid))];
  const outcomes = await Promise.allSettled(all.map((r) => a.jobs.recordReturn(r)));
  const failed = outcomes.map((o, i) => (o.status === 'rejected' ? `${all[i]!.id} ${all[i]!.jid === jids[2] ? 'third' : ''}`.trim() : '')).filter(Boolean);
  expect(failed).toEqual(['hog third']);
  expect(String((outcomes[minions.length + 2] as PromiseRejectedResult).reason)).toMatch(/over its job cache quota/);
  expect(refusals.count('hog', 'job cache')).toBe(1);
  expect((await b.jobs.returns(jids[0]!)).map((r) => r.id)).toEqual([...minions, 'hog'].sort());
  expect((await b.jobs.returns(jids[1]!)).map((r) => r.id)).toEqual(['hog']);
  expect(await b.jobs.returns(jids[2]!)).toEqual([]);
  // Every stored return was announced, in order, in far fewer notices than returns (and none for the refused).
  await next((e) => e.kind === 'return' && e.rets.some(([jid, id]) => jid === jids[1] && id === 'hog'));
  const announced = events.slice(before).flatMap((e) => (e.kind === 'return' ? e.rets : []));
  expect(announced.map(([jid, id]) => `${id} ${jid}`).sort()).toEqual([...minions.map((m) => `${m} ${jids[0]}`), `hog ${jids[0]}`, `hog ${jids[1]}`].sort());
  expect(events.slice(before).filter((e) => e.kind === 'return').length).toBeLessThan(20);
  // The store refuses the row of minion 'bad' (a trigger standing in for any row-level refusal): the returns that
  // came with it are stored all the same.
  await a.db.query(`CREATE FUNCTION refuse_bad() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.minion_id = 'bad' THEN RAISE EXCEPTION 'no returns from bad'; END IF; RETURN NEW; END $$`);
  await a.db.query('CREATE TRIGGER refuse_bad BEFORE INSERT ON brine_returns FOR EACH ROW EXECUTE FUNCTION refuse_bad()');
  const more = [...minions.slice(0, 50).map((m) => ret(m, jids[1]!)), ret('bad', jids[1]!), ...minions.slice(50, 100).map((m) => ret(m, jids[1]!))];
  const second = await Promise.allSettled(more.map((r) => a.jobs.recordReturn(r)));
  expect(second.map((o, i) => (o.status === 'rejected' ? more[i]!.id : '')).filter(Boolean)).toEqual(['bad']);
  expect(String((second[50] as PromiseRejectedResult).reason)).toMatch(/no returns from bad/);
  expect((await b.jobs.returns(jids[1]!)).map((r) => r.id)).toEqual([...minions.slice(0, 100), 'hog'].sort());
  // Read back by pairs, in the order asked, unknown pairs left out.
  const asked: [string, string][] = [[jids[1]!, 'hog'], [jids[2]!, 'hog'], [jids[0]!, 'batch007'], [jids[1]!, 'bad']];
  expect((await b.jobs.returnsOf(asked)).map((r) => `${r.id} ${r.jid === jids[1] ? 1 : 0}`)).toEqual(['hog 1', 'batch007 0']);
});

test('notices stay under PostgreSQL\'s payload limit with the longest minion ids', async () => {
  const long = (i: number) => `${String(i).padStart(4, '0')}${'x'.repeat(196)}`;
  const ids = Array.from({ length: 120 }, (_, i) => long(i));
  for (const e of [
    { kind: 'key' as const, ids, state: 'accepted' as const, master: 'm' },
    { kind: 'return' as const, rets: ids.map((id): [string, string] => ['20261203000000000001', id]), master: 'm' },
  ]) {
    const out = payloads(e);
    expect(out.length).toBeGreaterThan(1);
    for (const p of out) expect(Buffer.byteLength(p)).toBeLessThan(8000);
    const back = out.map((p) => JSON.parse(p) as ClusterEvent);
    expect(back.flatMap((x) => (x.kind === 'key' ? x.ids : x.kind === 'return' ? x.rets.map((r) => r[1]) : []))).toEqual(ids);
  }
  // And through a real server: 120 accepted keys of 200 characters each, announced.
  const dsn = await freshDb();
  const a = await openStore(dsn, 'master-a');
  const { next } = await listen(a);
  for (const id of ids) await a.keys.decide(id, key());
  expect((await a.keys.accept('*')).length).toBe(120);
  await next((e) => e.kind === 'key' && e.state === 'accepted' && e.ids.includes(long(119)));
});

test('two masters deciding on one new minion at once: one pending key, and a second, different key is denied; max_pending_keys holds across masters', async () => {
  const dsn = await freshDb();
  const a = await openStore(dsn, 'master-a', { maxPending: 3 });
  const b = await openStore(dsn, 'master-b', { maxPending: 3 });
  const k = key();
  const same = await Promise.all([a.keys.decide('web1', k), b.keys.decide('web1', k)]);
  expect(same.filter((d) => d.created).length).toBe(1);
  expect(same.every((d) => d.state === 'pending')).toBe(true);
  const other = await Promise.all([a.keys.decide('web2', key()), b.keys.decide('web2', key())]);
  expect(other.map((d) => d.state).sort()).toEqual(['denied', 'pending']);
  const crowd = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).keys.decide(`c${i}`, key())));
  expect(crowd.filter((d) => d.created).length).toBe(1);
  expect(crowd.filter((d) => d.full).length).toBe(9);
  expect(await a.keys.count('pending')).toBe(3);
});

test('migrations: masters starting together on an empty database apply each migration once; running them again changes nothing', async () => {
  const dsn = await freshDb();
  const stores = await Promise.all(['m1', 'm2', 'm3', 'm4'].map((m) => openStore(dsn, m)));
  const rows = await stores[0]!.db.query<{ version: number; applied_by: string }>('SELECT version, applied_by FROM brine_schema ORDER BY version');
  expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
  expect(await schemaVersion(stores[0]!.db)).toBe(MIGRATIONS.length);
  expect(await migrate(stores[1]!.db, 'm2')).toEqual({ from: MIGRATIONS.length, to: MIGRATIONS.length });
  // A new migration is applied once, and recorded.
  const next = [...MIGRATIONS, { version: MIGRATIONS.length + 1, name: 'test column', sql: 'ALTER TABLE brine_grains ADD COLUMN note text' }];
  const both = await Promise.all([migrate(stores[2]!.db, 'm3', next), migrate(stores[3]!.db, 'm4', next)]);
  expect(both.map((r) => r.from).sort()).toEqual([MIGRATIONS.length, MIGRATIONS.length + 1]);
  expect(await schemaVersion(stores[0]!.db)).toBe(MIGRATIONS.length + 1);
});

test('a database at an older schema version is brought up to date by the next master to start', async () => {
  const dsn = await freshDb();
  const old = await openStore(dsn, 'm1');
  await old.db.query('DROP TABLE brine_cluster, brine_masters');
  await old.db.query('DELETE FROM brine_schema WHERE version > 1');
  expect(await schemaVersion(old.db)).toBe(1);
  await old.keys.decide('kept', key());
  const s = await openStore(dsn, 'm2');
  expect(await schemaVersion(s.db)).toBe(SCHEMA_VERSION);
  expect(await s.keys.stateOf('kept')).toBe('pending');
  await s.members.join({ clusterId: 'prod', fingerprint: 'aa:bb' });
  expect((await s.members.members()).map((m) => m.name)).toEqual(['m2']);
});

test('cluster identity: the first master founds it; another signing key or cluster id is refused; trees served are named', async () => {
  const dsn = await freshDb();
  const [a, b, c, d] = await Promise.all(['ma', 'mb', 'mc', 'md'].map((m) => openStore(dsn, m)));
  await a!.members.join({ clusterId: 'prod', fingerprint: 'aa:bb', address: '10.0.0.1:4506', treeHash: 'h1' });
  await b!.members.join({ clusterId: 'prod', fingerprint: 'aa:bb', treeHash: 'h1' });
  const wrongKey = await c!.members.join({ clusterId: 'prod', fingerprint: 'cc:dd' }).catch((e: unknown) => e as Error);
  expect(wrongKey).toBeInstanceOf(ClusterMismatch);
  expect(wrongKey!.message).toBe(`master 'mc' holds a cluster key with fingerprint cc:dd, but cluster 'prod' signs with aa:bb (set by master 'ma'): place the same cluster key on every master`);
  await expect(d!.members.join({ clusterId: 'staging', fingerprint: 'aa:bb' })).rejects.toThrow(/belongs to cluster 'prod', not 'staging'/);
  expect((await a!.members.members()).map((m) => [m.name, m.address, m.treeHash])).toEqual([
    ['ma', '10.0.0.1:4506', 'h1'],
    ['mb', null, 'h1'],
  ]);
  expect(await a!.members.trees()).toEqual({ h1: ['ma', 'mb'] });
  await b!.members.heartbeat('h2');
  expect(await a!.members.trees(60_000)).toEqual({ h1: ['ma'], h2: ['mb'] });
  await a!.db.query(`UPDATE brine_masters SET seen_at = clock_timestamp() - interval '1 hour' WHERE name = 'ma'`);
  expect(await a!.members.trees(60_000)).toEqual({ h2: ['mb'] });
  await b!.members.leave();
  expect((await a!.members.members()).map((m) => m.name)).toEqual(['ma']);
});

test('a statement stuck behind a lock ends at statement_timeout with the unreachable error, and the lock holder is unaffected', async () => {
  const dsn = await freshDb();
  const holder = await openStore(dsn, 'ma');
  const s = await PgStore.open({ dsn, master: 'mb', keepJobsHours: 1, statementTimeoutMs: 300, quota: { jobCacheBytes: 1e7, mineBytes: 1e7, grainsBytes: 1e7, refusals: new QuotaRefusals(nullLogger) } });
  opened.push(s);
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let locked!: () => void;
  const isLocked = new Promise<void>((r) => (locked = r));
  const held = holder.db.tx(async (c) => {
    await c.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [MINION_LOCK.key, 'web1']);
    locked();
    await released;
  });
  await isLocked;
  const e = await s.keys.decide('web1', key()).then(() => new Error('decided'), (x: unknown) => x as Error);
  release();
  await held;
  expect(e).toBeInstanceOf(StoreUnavailable);
  expect(e.message).toMatch(/statement timeout/);
  expect(await s.keys.decide('web1', key())).toEqual({ state: 'pending', created: true });
});

test('a schema newer than this code is refused with a clear error', async () => {
  const dsn = await freshDb();
  const s = await openStore(dsn, 'm1');
  await s.db.query(`INSERT INTO brine_schema (version, name, applied_by) VALUES (999, 'from the future', 'm9')`);
  const e = await PgStore.open({ dsn, master: 'm2', keepJobsHours: 1, quota: { jobCacheBytes: 1, mineBytes: 1, grainsBytes: 1, refusals: new QuotaRefusals(nullLogger) } }).catch((x: unknown) => x);
  expect(e).toBeInstanceOf(SchemaTooNew);
  expect((e as Error).message).toMatch(new RegExp(`schema version 999, newer than this Brine knows \\(${SCHEMA_VERSION}\\): upgrade this master`));
});

test('bad DSNs and unreachable servers give clear errors at start, never showing the password', async () => {
  const open = (dsn: string) =>
    PgStore.open({ dsn, master: 'm', keepJobsHours: 1, connectTimeoutMs: 3000, quota: { jobCacheBytes: 1, mineBytes: 1, grainsBytes: 1, refusals: new QuotaRefusals(nullLogger) } }).then(
      (s) => {
        opened.push(s);
        return new Error('opened');
      },
      (e: unknown) => e as Error,
    );
  const wrongScheme = await open('mysql://u:secret1@127.0.0.1/brine');
  expect(wrongScheme).toBeInstanceOf(StoreConfigError);
  expect(wrongScheme.message).toMatch(/not a postgresql:\/\/ URL \(scheme 'mysql'\)/);
  expect(wrongScheme.message).not.toContain('secret1');
  expect((await open('just words')).message).toMatch(/is not a URL: expected postgresql:\/\/user:password@host:port\/database/);
  expect((await open(`postgresql://brine_test@127.0.0.1:${pg.port}`)).message).toMatch(/must name a host and a database/);
  const badPassword = await open(`postgresql://brine_test:wrong-pw-42@127.0.0.1:${pg.port}/brine`);
  expect(badPassword).toBeInstanceOf(StoreConfigError);
  expect(badPassword.message).toMatch(/refused the login .*password authentication failed.*check the user and password/);
  expect(badPassword.message).not.toContain('wrong-pw-42');
  const noDb = await open(`postgresql://brine_test:${pg.password}@127.0.0.1:${pg.port}/no_such_db`);
  expect(noDb.message).toMatch(/database "no_such_db" does not exist \(create it, or fix the database name/);
  const port = await freePort();
  const down = await open(`postgresql://brine_test:${pg.password}@127.0.0.1:${port}/brine`);
  expect(down).toBeInstanceOf(StoreUnavailable);
  expect(down.message).toMatch(new RegExp(`PostgreSQL store at 127\\.0\\.0\\.1:${port}/brine is unreachable \\(.*ECONNREFUSED`));
  // The listener too: a bad DSN at once, an unreachable server at its first connection.
  expect(() => new ClusterListener('mysql://u@127.0.0.1/brine')).toThrow(StoreConfigError);
  const l = new ClusterListener(`postgresql://brine_test:${pg.password}@127.0.0.1:${port}/brine`, { connectTimeoutMs: 3000 });
  await expect(l.start()).rejects.toBeInstanceOf(StoreUnavailable);
  await l.close();
});

test('a stopped server: clear errors while it is down; the store and the listener work again once it is back', async () => {
  const dsn = await freshDb();
  const a = await openStore(dsn, 'master-a');
  const b = await openStore(dsn, 'master-b');
  const { l, next } = await listen(b);
  let reconnected = 0;
  let lost = 0;
  l.on('connected', () => reconnected++);
  l.on('disconnected', () => lost++);
  await a.keys.decide('web1', key());
  const gone = new Promise<void>((resolve) => l.once('disconnected', () => resolve()));
  await pg.pause();
  try {
    const e = await a.keys.accept('web1').then(() => new Error('accepted'), (x: unknown) => x as Error);
    expect(e).toBeInstanceOf(StoreUnavailable);
    expect(e.message).toMatch(/is unreachable .*shared state cannot be changed until it is back/);
    await expect(b.jobs.job(newJid())).rejects.toBeInstanceOf(StoreUnavailable);
    await gone;
    expect(l.connected).toBe(false);
    expect(lost).toBeGreaterThan(0);
  } finally {
    await pg.resume();
  }
  await new Promise<void>((resolve) => (l.connected ? resolve() : l.once('connected', () => resolve())));
  expect(reconnected).toBeGreaterThan(0);
  expect(await a.keys.accept('web1')).toEqual(['web1']);
  expect(await next((e) => e.kind === 'key' && e.state === 'accepted')).toEqual({ kind: 'key', ids: ['web1'], state: 'accepted', master: 'master-a' });
  expect(await b.keys.stateOf('web1')).toBe('accepted');
});
