/**
 * `brine demo --cluster`: three masters sharing a throwaway PostgreSQL server and one cluster key, six minions that
 * list every master (failover, shuffled). The keys are accepted once on master 1; test.ping runs from master 1 and
 * from master 3; the master serving the most minions is killed (SIGKILL) and the demo waits until every minion
 * answers again through the others; then the demo's highstate runs through the cluster. Everything is stopped after.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { errorMessage } from '@brine/core';
import { ClusterFleet } from '../fleet/cluster-fleet';
import { waitFor } from '../fleet/fleet';
import { allPresent, quietPing, servedBy } from '../fleet/cluster-probe';
import { EXIT } from '../exit';
import { DEMO_ASSETS, runBrine, say, writeDemoPillar, type DemoOpts } from './demo';

const MINIONS: Record<string, string[]> = { web1: ['web'], web2: ['web'], web3: ['web'], web4: ['web'], db1: ['db'], db2: ['db'] };
const IDS = Object.keys(MINIONS);
const MASTERS = 3;
/** The minions' master_alive_interval (ClusterFleet's): how often a minion checks its master is still there. */
const ALIVE_INTERVAL_S = 5;

/** A step of the demo that did not happen as it should. */
class DemoFailed extends Error {}

/**
 * Every minion is connected to some master, and every running master knows it: a master learns which minions the
 * others serve from their heartbeats (manage.present, which pings nobody), and a job watch counts a minion it
 * does not know to be connected anywhere as not connected.
 */
async function everyMasterSeesAll(c: ClusterFleet, alive: Set<number>): Promise<boolean> {
  const served = (await Promise.all([...alive].map((i) => servedBy(c.masters[i]!.masterDir)))).flat();
  if (!IDS.every((id) => served.includes(id))) return false;
  return allPresent([...alive].map((i) => c.masters[i]!.masterDir), IDS);
}

const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

export async function demoClusterCommand(o: DemoOpts): Promise<number> {
  const dir = o.dir ? path.resolve(o.dir) : fs.mkdtempSync(path.join(os.tmpdir(), 'brine-demo-cluster-'));
  const started = Date.now();
  const pillar = writeDemoPillar(dir);
  const c = new ClusterFleet({
    dir,
    masters: MASTERS,
    minions: IDS,
    fileRoots: [path.join(DEMO_ASSETS, 'states')],
    pillarRoots: [pillar],
    clusterId: 'demo',
    minion: (id) => ({ grains: { roles: MINIONS[id] }, mine_functions: { ident: { mine_function: 'grains.get', key: 'id' } } }),
  });
  const name = (i: number) => `master ${i + 1} (${c.masterName(i)})`;
  const alive = new Set<number>();
  let failed = false;
  /** Masters were started: on a failure their logs are worth keeping. */
  let logs = false;
  const summary: string[] = [];
  try {
    say(`starting a PostgreSQL server, ${MASTERS} masters sharing it and ${IDS.length} minions in ${dir}`);
    try {
      await c.configure();
    } catch (e) {
      throw new DemoFailed(`could not start PostgreSQL: ${errorMessage(e)}`);
    }
    logs = true;
    await c.startMasters();
    for (let i = 0; i < MASTERS; i++) alive.add(i);
    for (let i = 0; i < MASTERS; i++) say(`${name(i)}: ret_port ${c.ports[i]!.request}, publish_port ${c.ports[i]!.publish}`);
    say(`the minions list every master: master: [${c.ports.map((p) => `127.0.0.1:${p.request}`).join(', ')}], master_type: failover, master_shuffle: true, master_alive_interval: ${ALIVE_INTERVAL_S}`);
    c.startMinions();
    const m1 = c.masters[0]!.masterDir;
    await c.masters[0]!.waitForKeys(IDS, 'pending', 30_000);
    say('the keys are shared through PostgreSQL: accept them once, on master 1 (brine key accept --all -y)');
    if ((await runBrine(m1, ['key', 'accept', '--all', '-y'])) !== EXIT.ok) throw new DemoFailed('brine key accept --all on master 1 failed');
    const accepted = Date.now();
    await waitFor(() => everyMasterSeesAll(c, alive), 30_000, 'every minion connected to a master, as every master sees it');
    say(`all ${IDS.length} minions connected ${secs(Date.now() - accepted)} after acceptance`);

    for (const i of [0, 2]) {
      say(`brine -c ${path.relative(dir, c.masters[i]!.masterDir)} run '*' test.ping   (from ${name(i)})`);
      const code = await runBrine(c.masters[i]!.masterDir, ['run', '*', 'test.ping', '-t', '10']);
      if (code !== EXIT.ok) throw new DemoFailed(`test.ping from ${name(i)}: not every minion answered (exit ${code})`);
    }

    const serving = await Promise.all([0, 1, 2].map((i) => servedBy(c.masters[i]!.masterDir)));
    say('which master serves which minion (each master\'s status lists the minions connected to it):');
    for (let i = 0; i < MASTERS; i++) process.stdout.write(`    ${name(i)}: ${serving[i]!.length ? serving[i]!.sort().join(', ') : '(none)'}\n`);
    const victim = serving.reduce((best, s, i) => (s.length > serving[best]!.length ? i : best), 0);
    const moved = serving[victim]!;

    say(`kill -9 ${name(victim)}, which serves ${moved.length} minion${moved.length === 1 ? '' : 's'}`);
    const killedAt = Date.now();
    await c.masters[victim]!.stopMaster('SIGKILL');
    alive.delete(victim);
    const via = [...alive][0]!;
    say(`waiting until all ${IDS.length} minions answer test.ping again from ${name(via)} (minions check their master every ${ALIVE_INTERVAL_S} s)`);
    const survivors = () => [...alive].map((i) => c.masters[i]!.masterDir);
    // Cheap to poll: the survivors' status, until every minion is connected to one of them; then a ping confirms it.
    await waitFor(async () => (await Promise.all(survivors().map(servedBy))).flat().length >= IDS.length, 60_000, `all ${IDS.length} minions connected to the other masters after ${name(victim)} was killed`);
    const reconnected = Date.now() - killedAt;
    let answeredAt = 0;
    await waitFor(
      async () => {
        const p = await quietPing(c.masters[via]!.masterDir, 2);
        answeredAt = p.lastAt;
        return p.answered.size === IDS.length;
      },
      30_000,
      `all ${IDS.length} minions answering after ${name(victim)} was killed`,
    );
    const failover = answeredAt - killedAt;
    say(`failover: all ${IDS.length} minions reconnected ${secs(reconnected)} and answered again ${secs(failover)} after the kill`);
    const after = await Promise.all([...alive].map(async (i) => [i, await servedBy(c.masters[i]!.masterDir)] as const));
    for (const [i, ids] of after) process.stdout.write(`    ${name(i)}: ${ids.length ? ids.sort().join(', ') : '(none)'}\n`);

    say(`brine -c ${path.relative(dir, c.masters[via]!.masterDir)} state highstate '*' --state-output terse   (through the cluster, from ${name(via)})`);
    const hs = await runBrine(c.masters[via]!.masterDir, ['state', 'highstate', '*', '--state-output', 'terse', '-t', '30']);
    if (hs !== EXIT.ok) throw new DemoFailed(`the highstate through ${name(via)} did not succeed on every minion (exit ${hs})`);

    summary.push(
      `${MASTERS} masters on one PostgreSQL store, ${IDS.length} minions, keys accepted once on master 1`,
      `test.ping answered by all ${IDS.length} from master 1 and from master 3`,
      `${name(victim)} killed while serving ${moved.join(', ')}; all ${IDS.length} answering again after ${secs(failover)}`,
      `highstate through ${name(via)} succeeded on all ${IDS.length}; rendered files in ${path.join(dir, 'out')}${o.keep || o.dir ? '' : ' (removed now: --keep keeps them)'}`,
      `whole demo: ${secs(Date.now() - started)}`,
    );
  } catch (e) {
    failed = true;
    process.stderr.write(`brine demo --cluster: ${errorMessage(e)}\n`);
    if (logs) process.stderr.write(`  logs: ${path.join(dir, 'm*/master/master.log')}, ${path.join(dir, 'm1/minions/*/minion.log')}\n`);
  } finally {
    await c.stop();
  }
  if (!failed) {
    say('summary');
    for (const s of summary) process.stdout.write(`    ${s}\n`);
  }
  if (!o.keep && !o.dir && !(failed && logs)) fs.rmSync(dir, { recursive: true, force: true });
  else say(`kept ${dir}`);
  return failed ? EXIT.error : EXIT.ok;
}
