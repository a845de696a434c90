/**
 * `brine key` on a master configured with `cluster:` works on the cluster's PostgreSQL store (a real server started
 * here): list, accept, reject, delete, history and finger as the real CLI, with PostgreSQL's state checked after
 * each; an unreachable store is one clear line and exit 1; `--gen-keys` writes a usable pair once; and on a master
 * without `cluster:` `brine key list` does not load `pg`.
 */
import * as crypto from 'crypto';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { nullLogger } from '@brine/core';
import { QuotaRefusals } from '@brine/master/dist/quota';
import { PgStore } from '@brine/master/dist/store/pg/store';
import { createKeyPair, fingerprint } from '@brine/protocol/dist/crypto/keys';
import { EXIT } from '../packages/cli/src/exit';
import { BRINE, brine, json, type CliResult } from './helpers/cli';
import { startPostgres, type PgServer } from './helpers/postgres';
import { freePort } from '../packages/cli/src/fleet/fleet';

let pg: PgServer;
let dir: string;
let store: PgStore;
let conf: string;
let clusterPki: string;
const IDS = ['k1', 'k2', 'k3', 'k4'];
const pubs: Record<string, string> = {};

/** A master config directory; `cluster` as written under `cluster:` (none: a single master). */
function masterConfig(name: string, cluster?: Record<string, string>): string {
  const d = path.join(dir, name);
  fs.mkdirSync(d, { recursive: true });
  const lines = [`pki_dir: ${path.join(d, 'pki')}`, `cachedir: ${path.join(d, 'cache')}`, `sock_dir: ${path.join(d, 'sock')}`];
  if (cluster) lines.push('cluster:', ...Object.entries(cluster).map(([k, v]) => `  ${k}: '${v}'`));
  fs.writeFileSync(path.join(d, 'master'), lines.join('\n') + '\n');
  return d;
}

const key = (args: string[], env?: NodeJS.ProcessEnv): CliResult => brine(['-c', conf, 'key', ...args], { env });
const ok = (r: CliResult): CliResult => {
  if (r.code !== 0) throw new Error(`brine exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
  return r;
};
const user = os.userInfo().username;

beforeAll(async () => {
  pg = await startPostgres();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-keycluster-'));
  clusterPki = path.join(dir, 'cluster-pki');
  const dsn = await pg.newDatabase('keycli');
  conf = masterConfig('m1', { id: 't', store: dsn, pki_dir: clusterPki, name: 'm1:4506' });
  // What minions asking to authenticate leave behind (no master daemon needed): pending keys, real public keys.
  store = await PgStore.open({
    dsn,
    master: 'm1:4506',
    keepJobsHours: 24,
    quota: { jobCacheBytes: 1e7, mineBytes: 1e7, grainsBytes: 1e7, refusals: new QuotaRefusals(nullLogger) },
  });
  for (const id of IDS) {
    pubs[id] = createKeyPair().publicPem;
    expect(await store.keys.decide(id, pubs[id]!)).toMatchObject({ state: 'pending', created: true });
  }
}, 120_000);

afterAll(async () => {
  await store?.close();
  await pg?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('list shows the PostgreSQL store, as text and as salt-key --out json', () => {
  expect(json(ok(key(['list', '--out', 'json'])))).toEqual({ minions: [], minions_denied: [], minions_pre: IDS, minions_rejected: [] });
  const text = ok(key(['-L'])).stdout;
  expect(text).toBe(['Accepted Keys:', 'Denied Keys:', 'Unaccepted Keys:', ...IDS, 'Rejected Keys:', ''].join('\n'));
  expect(json(ok(key(['list', 'pre', '--out', 'json'])))).toEqual({ minions: [], minions_denied: [], minions_pre: IDS, minions_rejected: [] });
});

test('accept, reject and delete are transactions in PostgreSQL, recorded with the operator', async () => {
  const a = ok(key(['accept', 'k1', '-y'], { SUDO_USER: 'alice' }));
  expect(a.stdout).toMatch(/^Key for minion k1 accepted\.$/m);
  expect(await store.keys.stateOf('k1')).toBe('accepted');
  expect(await store.keys.read('accepted', 'k1')).toBe(pubs['k1']);

  ok(key(['-r', 'k2', '-y'], { SUDO_USER: '' }));
  expect(await store.keys.stateOf('k2')).toBe('rejected');

  const d = ok(key(['delete', 'k3', '-y'], { SUDO_USER: '' }));
  expect(d.stdout).toMatch(/^Key for minion k3 deleted\.$/m);
  expect(await store.keys.stateOf('k3')).toBeNull();

  expect(await store.keys.list()).toEqual({ accepted: ['k1'], pending: ['k4'], rejected: ['k2'], denied: [] });
  const h = await store.keys.history();
  const fp = (id: string) => fingerprint(pubs[id]!);
  expect(h.slice(IDS.length).map(({ at: _at, ...c }) => c)).toEqual([
    { id: 'k1', from: 'pending', to: 'accepted', fingerprint: fp('k1'), by: 'brine key (alice)', master: 'm1:4506' },
    { id: 'k2', from: 'pending', to: 'rejected', fingerprint: fp('k2'), by: `brine key (${user})`, master: 'm1:4506' },
    { id: 'k3', from: 'pending', to: null, fingerprint: fp('k3'), by: `brine key (${user})`, master: 'm1:4506' },
  ]);

  // Nothing matching: nothing changes, and it says so.
  const none = key(['accept', 'nosuch*', '-y']);
  expect(none.code).toBe(EXIT.error);
  expect(none.stderr).toMatch(/does not match any pending keys/);
  expect((await store.keys.history()).length).toBe(IDS.length + 3);
});

test('history lists every change (all, or of one minion), as text and JSON', async () => {
  const all = json<{ id: string; from: string | null; to: string | null; fingerprint: string; by: string; master: string; at: string }[]>(ok(key(['history', '--out', 'json'])));
  expect(all).toEqual(await store.keys.history());
  expect(all.length).toBe(IDS.length + 3);

  const k1 = ok(key(['history', 'k1'])).stdout.trimEnd().split('\n');
  expect(k1).toHaveLength(2);
  expect(k1[0]).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z  k1  \\(new\\) -> pending  ${fingerprint(pubs['k1']!)}  by minion  on m1:4506$`));
  expect(k1[1]).toMatch(new RegExp(`  k1  pending -> accepted  ${fingerprint(pubs['k1']!)}  by brine key \\(alice\\)  on m1:4506$`));
  expect(ok(key(['history', 'k3'])).stdout).toMatch(/ k3  pending -> \(deleted\) /);
  expect(json<unknown[]>(ok(key(['history', 'k[12]', '--out', 'json']))).map((c) => (c as { id: string }).id)).toEqual(['k1', 'k2', 'k1', 'k2']);
});

test('--gen-keys writes a usable pair once; finger shows it as the cluster key', async () => {
  const g = ok(brine(['key', '--gen-keys', 'cluster', '--gen-keys-dir', clusterPki]));
  const pem = path.join(clusterPki, 'cluster.pem');
  const pub = path.join(clusterPki, 'cluster.pub');
  expect(fs.statSync(pem).mode & 0o777).toBe(0o400);
  expect(fs.statSync(pub).mode & 0o777).toBe(0o644);
  const pubPem = fs.readFileSync(pub, 'utf8');
  expect(g.stdout).toContain(fingerprint(pubPem));
  // The halves belong together: what the private key signs, the public key verifies.
  const sig = crypto.sign('sha256', Buffer.from('brine'), fs.readFileSync(pem, 'utf8'));
  expect(crypto.verify('sha256', Buffer.from('brine'), pubPem, sig)).toBe(true);

  const again = brine(['key', '--gen-keys', 'cluster', '--gen-keys-dir', clusterPki]);
  expect(again.code).toBe(EXIT.error);
  expect(again.stderr).toBe(`brine: key --gen-keys: ${pem} already exists; not overwriting it (move it away to make a new pair)\n`);
  expect(fs.readFileSync(pub, 'utf8')).toBe(pubPem);

  // An existing directory keeps its mode (Salt's default --gen-keys-dir is the current directory).
  const cwd = path.join(dir, 'cwd');
  fs.mkdirSync(cwd, { mode: 0o755 });
  fs.chmodSync(cwd, 0o755);
  ok(brine(['key', '--gen-keys', 'other', '--keysize', '2048'], { cwd }));
  expect(fs.statSync(cwd).mode & 0o777).toBe(0o755);
  expect(fs.existsSync(path.join(cwd, 'other.pem')) && fs.existsSync(path.join(cwd, 'other.pub'))).toBe(true);

  const f = json<Record<string, Record<string, string>>>(ok(key(['finger', '--out', 'json'])));
  expect(f).toEqual({
    local: { 'cluster.pub': fingerprint(pubPem) },
    minions: { k1: fingerprint(pubs['k1']!) },
    minions_pre: { k4: fingerprint(pubs['k4']!) },
    minions_rejected: { k2: fingerprint(pubs['k2']!) },
    minions_denied: {},
  });
  expect(ok(key(['finger', 'cluster'])).stdout).toBe(`Local Keys:\ncluster.pub:  ${fingerprint(pubPem)}\nAccepted Keys:\nDenied Keys:\nUnaccepted Keys:\nRejected Keys:\n`);
  expect(ok(key(['-f', 'k4'])).stdout).toMatch(new RegExp(`^k4:  ${fingerprint(pubs['k4']!)}$`, 'm'));
});

test('an unreachable store is one clear line naming it (password hidden), exit 1, nothing changed', async () => {
  const port = await freePort(); // nothing listens there now
  const bad = masterConfig('down', { id: 't', store: `postgresql://brine_test:s3cret@127.0.0.1:${port}/brine`, pki_dir: clusterPki });
  const before = await store.keys.list();
  for (const args of [['list'], ['accept', 'k4', '-y'], ['history']]) {
    const r = brine(['-c', bad, 'key', ...args]);
    expect(r.code).toBe(EXIT.error);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      new RegExp(`^brine: key: cluster 't' key store postgresql://brine_test:\\*\\*\\*@127\\.0\\.0\\.1:${port}/brine is unreachable \\(.*ECONNREFUSED.*\\): nothing was changed\\n$`),
    );
    expect(r.stderr).not.toContain('s3cret');
  }
  expect(await store.keys.list()).toEqual(before);
});

/** Run `brine` with a preload that reports, at exit, whether any module of the `pg` package was loaded. */
function loadsPg(args: string[]): { r: CliResult; pg: boolean } {
  const hook = path.join(dir, 'pg-probe.js');
  const report = path.join(dir, `pg-probe-${Math.random().toString(36).slice(2)}.txt`);
  fs.writeFileSync(
    hook,
    `process.on('exit', () => require('fs').writeFileSync(process.env.PG_PROBE, String(Object.keys(require.cache).some((f) => /[\\\\/]node_modules[\\\\/]pg[\\\\/]/.test(f)))));\n`,
  );
  const p = spawnSync(process.execPath, ['-r', hook, BRINE, ...args], { env: { ...process.env, NO_COLOR: '1', PG_PROBE: report }, encoding: 'utf8', timeout: 60_000 });
  const r = { code: p.status ?? -1, stdout: p.stdout, stderr: p.stderr };
  return { r, pg: fs.readFileSync(report, 'utf8') === 'true' };
}

test('on a master without cluster: the on-disk store, and pg is never loaded', () => {
  const single = masterConfig('single');
  const probe = loadsPg(['-c', single, 'key', 'list', '--out', 'json']);
  expect(json(ok(probe.r))).toEqual({ minions: [], minions_denied: [], minions_pre: [], minions_rejected: [] });
  expect(probe.pg).toBe(false);
  // The probe does see pg when it is loaded: the same command on the cluster's master.
  const cluster = loadsPg(['-c', conf, 'key', 'list', '--out', 'json']);
  expect(json(ok(cluster.r))).toMatchObject({ minions: ['k1'] });
  expect(cluster.pg).toBe(true);

  // The disk store keeps no history: said so, and not an error.
  const h = brine(['-c', single, 'key', 'history']);
  expect(h.code).toBe(EXIT.ok);
  expect(h.stdout).toBe('');
  expect(h.stderr).toMatch(/key history: kept only by a cluster's PostgreSQL store/);

  // Keys on disk are accepted as before.
  const minions = path.join(single, 'pki', 'minions');
  fs.mkdirSync(path.join(minions, 'pending'), { recursive: true });
  fs.writeFileSync(path.join(minions, 'pending', 'd1'), pubs['k4']!);
  expect(ok(brine(['-c', single, 'key', '-a', 'd1', '-y'])).stdout).toMatch(/Key for minion d1 accepted/);
  expect(fs.existsSync(path.join(minions, 'accepted', 'd1'))).toBe(true);
  expect(json(ok(brine(['-c', single, 'key', '-L', '--out', 'json'])))).toMatchObject({ minions: ['d1'], minions_pre: [] });
});
