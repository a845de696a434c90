/**
 * The cluster link between two masters on one real PostgreSQL server, with real key directories, job caches and
 * registries: how a master's mirror catches up on what was announced while its channel (LISTEN) was down.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Client } from 'pg';
import { nullLogger } from '@brine/core';
import { loadMasterOpts } from '@brine/config';
import { startPostgres, type PgServer } from '../../../../test/helpers/postgres';
import { JobCache, newJid, type JobRecord, type ReturnRecord } from '../jobcache';
import { KeyStore } from '../keys';
import { GrainPins } from '../pinned-grains';
import { QuotaRefusals } from '../quota';
import { Registry } from '../registry';
import type { ListenerOptions } from '../store/pg/notify';
import { ClusterLink, type ClusterHost } from './link';

let pg: PgServer;
const dirs: string[] = [];
const links: ClusterLink[] = [];
beforeAll(async () => {
  pg = await startPostgres();
}, 120_000);
afterAll(async () => {
  for (const l of links) await l.close();
  await pg?.stop();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** A master's side of the link: its real caches in a fresh directory, and what the link asked of it. */
async function master(dsn: string, name: string, listen: ListenerOptions = {}): Promise<{ link: ClusterLink; jobs: JobCache; delivered: string[] }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `brine-link-${name}-`));
  dirs.push(dir);
  const m = loadMasterOpts(dir, { cachedir: path.join(dir, 'cache'), pki_dir: path.join(dir, 'pki'), cluster: { id: 'test', store: dsn, name } });
  const refusals = new QuotaRefusals(nullLogger);
  const jobs = new JobCache(m.cachedir, 24);
  const delivered: string[] = [];
  const host: ClusterHost = {
    keys: new KeyStore(path.join(m.pki_dir, 'minions')),
    jobs,
    registry: new Registry(path.join(m.cachedir, 'minions'), new GrainPins({}, path.join(dir, 'minion_grains'), [], nullLogger), { bytes: 1e7, refusals }),
    reconcileKeys: () => [],
    acceptedInCluster: () => undefined,
    deliverRemoteJob: async (job) => void delivered.push(job.jid),
    remoteReturn: () => undefined,
    connectedHere: () => [],
  };
  const link = await ClusterLink.open(host, m, 'SHA256:test', () => 'tree', refusals, nullLogger, listen);
  links.push(link);
  return { link, jobs, delivered };
}

async function until(what: string, f: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('a catch-up made while the channel is still down is not the last: what is announced before the LISTEN is back is read at reconnection', async () => {
  const dsn = await pg.newDatabase('link_catch_up');
  // A's listener reconnects 3 s after a drop: the store answers A meanwhile, its channel does not.
  const a = await master(dsn, 'a', { minDelayMs: 3000, maxDelayMs: 3000 });
  const b = await master(dsn, 'b');
  const job: JobRecord = { jid: newJid(), fun: 'test.ping', arg: [], kwarg: {}, tgt: '*', tgt_type: 'glob', expected: ['m1', 'm2'], user: 'root', started: new Date().toISOString() };
  await b.link.recordJob(job);
  await until('the job announced to A', () => a.delivered.includes(job.jid));

  // The channel's connections are ended (as by a restart of the server); the pools reconnect at their next query.
  const admin = new Client({ connectionString: dsn });
  await admin.connect();
  try {
    await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'brine-master-listen'");
  } finally {
    await admin.end();
  }
  await until("A's channel lost", () => a.link.lostAt !== null);

  // The store answers: A resyncs (as when a heartbeat finds the store back) and catches up, still not listening.
  const ret = (id: string): ReturnRecord => ({ id, jid: job.jid, fun: 'test.ping', ret: true, retcode: 0, success: true, received: new Date().toISOString() });
  await b.link.recordReturn(ret('m1'));
  await a.link.resync();
  expect(a.jobs.returns(job.jid).map((r) => r.id)).toEqual(['m1']);
  expect(a.link.lostAt).not.toBeNull();

  // Announced before A listens again: A hears nothing of it, and reads it back when its channel reconnects.
  await b.link.recordReturn(ret('m2'));
  await until('the return stored while A was not listening, on A', () => a.jobs.returns(job.jid).some((r) => r.id === 'm2'));
  await until('A caught up for good', () => a.link.lostAt === null);
  expect(a.jobs.returns(job.jid).map((r) => r.id).sort()).toEqual(['m1', 'm2']);
}, 60_000);
