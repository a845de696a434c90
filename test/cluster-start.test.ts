/**
 * A cluster master's mistakes show at its start, with a clear message and a non-zero exit: a DSN where no
 * PostgreSQL answers, no cluster key placed, and a cluster key other than the one the cluster signs with.
 */
import * as fs from 'fs';
import * as path from 'path';
import { stringify as toYaml } from 'yaml';
import { generateKeyPair, fingerprint } from '../packages/protocol/src/crypto/keys';
import { PgStore } from '../packages/master/src/store/pg/store';
import { QuotaRefusals } from '../packages/master/src/quota';
import { nullLogger } from '../packages/core/src';
import { freePort } from '../packages/cli/src/fleet/fleet';
import { brineAsync } from './helpers/cli';
import { tempDir } from './helpers/fleet';
import { startPostgres, type PgServer } from './helpers/postgres';

let pg: PgServer;
const dir = tempDir('brine-cluster-start-');

beforeAll(async () => {
  pg = await startPostgres();
}, 90_000);

afterAll(async () => {
  await pg?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A master config dir for cluster `id` on `dsn`; with a cluster key unless `key` is false. */
async function masterDir(name: string, dsn: string, key = true): Promise<string> {
  const d = path.join(dir, name);
  fs.mkdirSync(d, { recursive: true });
  if (key) generateKeyPair(path.join(d, 'pki/cluster'), 'cluster');
  const cfg = { interface: '127.0.0.1', publish_port: await freePort(), ret_port: await freePort(), pki_dir: 'pki', cachedir: 'cache', sock_dir: 'sock', log_file: 'master.log', file_roots: { base: [d] }, pillar_roots: { base: [d] }, cluster: { id: 'prod', store: dsn, pki_dir: 'pki/cluster', name } };
  fs.writeFileSync(path.join(d, 'master'), toYaml(cfg));
  return d;
}

test('a DSN where no PostgreSQL answers: the master names the store (password hidden) and exits non-zero', async () => {
  const port = await freePort();
  const d = await masterDir('nodb', `postgresql://brine:secret@127.0.0.1:${port}/brine`);
  const r = await brineAsync(['master', '-c', d], { timeoutMs: 30_000 });
  expect(r.code).not.toBe(0);
  expect(r.stderr).toContain(`127.0.0.1:${port}/brine is unreachable`);
  expect(r.stderr).not.toContain('secret');
}, 40_000);

test('no cluster key placed: the master says where it belongs and how to make one', async () => {
  const d = await masterDir('nokey', pg.dsn, false);
  const r = await brineAsync(['master', '-c', d], { timeoutMs: 30_000 });
  expect(r.code).not.toBe(0);
  expect(r.stderr).toMatch(/no cluster key at .*pki\/cluster\/cluster\.pem: create it once with `brine key --gen-keys cluster/);
}, 40_000);

test('another cluster key than the cluster signs with: refused at start, both fingerprints named', async () => {
  const dsn = await pg.newDatabase('keys');
  const founder = generateKeyPair(path.join(dir, 'founder'), 'cluster');
  const s = await PgStore.open({ dsn, master: 'founder', keepJobsHours: 1, quota: { jobCacheBytes: 1e6, mineBytes: 1e6, grainsBytes: 1e6, refusals: new QuotaRefusals(nullLogger) } });
  await s.members.join({ clusterId: 'prod', fingerprint: fingerprint(founder.publicPem) });
  await s.close();
  const d = await masterDir('otherkey', dsn);
  const r = await brineAsync(['master', '-c', d], { timeoutMs: 30_000 });
  expect(r.code).not.toBe(0);
  expect(r.stderr).toContain(`but cluster 'prod' signs with ${fingerprint(founder.publicPem)} (set by master 'founder'): place the same cluster key on every master`);
}, 40_000);
