/**
 * Pillar and mine across real minions: a template renders its peers from `mine.get` by grain, a newly accepted
 * minion shows up after the next highstate (nothing restarted), a deleted key drops out; per-minion pillar with
 * secrets that reach their own minion only and never a log file or another minion's job cache.
 */
import * as fs from 'fs';
import * as path from 'path';
import { createAuthRequest, createKeyPair, ClientSession, decodeExpecting, encode, MinionTransport, openAuthReply, type AuthReply, type ReplyEnvelope } from '@brine/protocol';
import { acceptAll, fleetTrees, json, onMasterAsync, startFleet, waitFor, type Fleet } from './helpers/fleet';

const SECRET1 = 'S3CRET-m1-7f3a9c';
const SECRET2 = 'S3CRET-m2-b81e44';
const WEB = ['m1', 'm2', 'm3'];
const IDS = [...WEB, 'db1'];
let fleet: Fleet;
let dir: string;
let out: string;

type StateRet = Record<string, { result: boolean | null; changes: Record<string, unknown> }>;

const run = (args: string[]) => onMasterAsync(fleet, args);
const peersOf = (id: string) => fs.readFileSync(path.join(out, id, 'peers.conf'), 'utf8');
const servers = (text: string) => [...text.matchAll(/^server (\S+) ident=(\S+)/gm)].map((m) => [m[1], m[2]]);

function walk(d: string): string[] {
  let names: fs.Dirent[];
  try {
    names = fs.readdirSync(d, { withFileTypes: true });
  } catch {
    return [];
  }
  return names.flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]));
}

async function highstate(expectIds: string[]): Promise<Record<string, StateRet>> {
  const r = await run(['state', 'highstate', '*', '--out', 'json', '-t', '20']);
  expect(r.code).toBe(0);
  const rets = json<Record<string, StateRet>>(r);
  expect(Object.keys(rets).sort()).toEqual([...expectIds].sort());
  for (const id of expectIds) expect(Object.values(rets[id]!).every((s) => s.result === true)).toBe(true);
  return rets;
}

/** The master takes `roles` from its own pins only (minion_grains_only defaults to [roles]). */
const PINNED = { 'm*': { roles: ['web'] }, 'db*': { roles: ['db'] } };

function minionConfig(id: string): Record<string, unknown> {
  return {
    log_level: 'debug',
    grains: { roles: id.startsWith('db') ? ['db'] : ['web'] },
    // List form (the real function name) and alias form (per-minion data: the id).
    // dbonly: Salt's allow_tgt, readable by the db role only.
    mine_functions: {
      'network.ip_addrs': [],
      ident: [{ mine_function: 'grains.get' }, 'id'],
      dbonly: [{ mine_function: 'grains.get' }, 'id', { allow_tgt: 'roles:db', allow_tgt_type: 'grain' }],
    },
  };
}

beforeAll(async () => {
  let tree: string;
  ({ dir, out, tree } = fleetTrees('brine-pm-', (out) => ({
    tree: {
      'top.sls': "base:\n  '*':\n    - peers\n",
      'peers.sls': [
      '{% set web = salt[\'mine.get\'](\'roles:web\', \'network.ip_addrs\', tgt_type=\'grain\') %}',
      'peers:',
      '  file.managed:',
      "    - name: {{ pillar['out'] }}/{{ grains['id'] }}/peers.conf",
      '    - source: salt://peers.conf.j2',
      '    - template: jinja',
      '    - makedirs: True',
      'peer_count:',
      '  file.managed:',
      "    - name: {{ pillar['out'] }}/{{ grains['id'] }}/count",
      '    - contents: "{{ web | length }}"',
      '    - makedirs: True',
      '',
    ].join('\n'),
      // Pillar dicts a JS object cannot hold as Python does: integer-like keys after others, int keys.
      'order.sls': "order:\n  file.managed:\n    - name: {{ pillar['out'] }}/{{ grains['id'] }}/order\n    - contents: \"{{ pillar.services | list }} {{ pillar.ports | list }} {{ pillar.ports[443] }}\"\n    - makedirs: True\n",
      'peers.conf.j2': [
      "{%- set idents = salt['mine.get']('roles:web', 'ident', tgt_type='grain') %}",
      "{%- for id, ips in salt['mine.get']('roles:web', 'network.ip_addrs', tgt_type='grain').items() %}",
      'server {{ id }} ident={{ idents[id] }} ips={{ ips | join(",") }}',
      '{%- endfor %}',
      '',
    ].join('\n'),
    },
    pillar: {
      'top.sls': "base:\n  '*':\n    - common\n  m1:\n    - secret1\n  'm2':\n    - secret2\n",
      'common.sls': `out: ${out}\napp:\n  db:\n    host: db.internal\n    port: 5432\nservices:\n  http: 1\n  '22': 2\nports:\n  80: web\n  443: tls\n`,
      'secret1.sls': `secret:\n  m1_only: ${SECRET1}\napp:\n  db:\n    password: ${SECRET1}\n`,
      'secret2.sls': `secret:\n  m2_only: ${SECRET2}\n`,
    },
  })));
  fleet = await startFleet({ dir, minions: IDS, fileRoots: [tree], master: { log_level: 'debug', minion_grains: PINNED }, minion: minionConfig });
  await acceptAll(fleet, IDS);
  // Mine data is published right after acceptance.
  await waitFor(() => IDS.every((id) => fs.existsSync(path.join(fleet.masterDir, 'cache', 'mine', `${id}.json`))), 15_000, 'mine data of every minion');
}, 60_000);

afterAll(async () => {
  await fleet?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('templates render the web peers from the mine; a newly accepted minion appears; a deleted key drops out', async () => {
  await highstate(IDS);
  for (const id of IDS) {
    expect(servers(peersOf(id))).toEqual(WEB.map((w) => [w, w]));
    expect(fs.readFileSync(path.join(out, id, 'count'), 'utf8').trim()).toBe('3');
  }

  // mine.get through a published job: {id: data} ordered by id, only the grain-matched minions.
  const mg = await run(['run', '*', 'mine.get', 'roles:web', 'network.ip_addrs', 'tgt_type=grain', '--out', 'json']);
  expect(mg.code).toBe(0);
  const byMinion = json<Record<string, Record<string, string[]>>>(mg);
  expect(Object.keys(byMinion).sort()).toEqual([...IDS].sort());
  const got = byMinion['db1']!;
  expect(Object.keys(got)).toEqual(WEB);
  for (const ips of Object.values(got)) expect(Array.isArray(ips)).toBe(true);
  for (const id of IDS) expect(byMinion[id]).toEqual(got);
  const alias = json<Record<string, Record<string, string>>>(await run(['run', 'm2', 'mine.get', '*', 'ident', '--out', 'json']))['m2']!;
  expect(alias).toEqual({ db1: 'db1', m1: 'm1', m2: 'm2', m3: 'm3' });

  // A new web minion: started, accepted; the next highstate lists it on every other minion. Nothing restarts.
  const pids = IDS.map((id) => fleet.minions.get(id)!.pid);
  const masterPid = fleet.master!.pid;
  fleet.configureMinion('m0');
  fleet.startMinion('m0');
  await fleet.waitForKeys(['m0'], 'pending');
  expect((await run(['key', 'accept', 'm0', '-y'])).code).toBe(0);
  await waitFor(() => fs.existsSync(path.join(fleet.masterDir, 'cache', 'mine', 'm0.json')), 20_000, 'mine data of m0');
  const all = ['m0', ...IDS];
  await highstate(all);
  const withNew = [['m0', 'm0'], ...WEB.map((w) => [w, w])];
  for (const id of all) expect(servers(peersOf(id))).toEqual(withNew);
  expect(IDS.map((id) => fleet.minions.get(id)!.pid)).toEqual(pids);
  expect(fleet.master!.pid).toBe(masterPid);
  const ordered = json<Record<string, Record<string, unknown>>>(await run(['run', 'm3', 'mine.get', 'roles:web', 'network.ip_addrs', 'tgt_type=grain', '--out', 'json']))['m3']!;
  expect(Object.keys(ordered)).toEqual(['m0', ...WEB]);

  // Deleting a key drops its mine data: the next highstate no longer lists it.
  expect((await run(['key', 'delete', 'm0', '-y'])).code).toBe(0);
  await fleet.stopMinion('m0');
  expect(fs.existsSync(path.join(fleet.masterDir, 'cache', 'mine', 'm0.json'))).toBe(false);
  await highstate(IDS);
  for (const id of IDS) expect(servers(peersOf(id))).toEqual(WEB.map((w) => [w, w]));
  const after = json<Record<string, Record<string, unknown>>>(await run(['run', 'm1', 'mine.get', 'roles:web', 'network.ip_addrs', 'tgt_type=grain', '--out', 'json']))['m1']!;
  expect(Object.keys(after)).toEqual(WEB);
}, 60_000);

test('pillar: per-minion targeting, pillar.get paths and defaults, refresh_pillar', async () => {
  const items = json<Record<string, Record<string, unknown>>>(await run(['run', '*', 'pillar.items', '--out', 'json']));
  const common = { out, services: { http: 1, '22': 2 }, ports: { '80': 'web', '443': 'tls' } };
  expect(items['m1']).toEqual({ ...common, app: { db: { host: 'db.internal', port: 5432, password: SECRET1 } }, secret: { m1_only: SECRET1 } });
  expect(items['m2']).toEqual({ ...common, app: { db: { host: 'db.internal', port: 5432 } }, secret: { m2_only: SECRET2 } });
  expect(items['m3']).toEqual({ ...common, app: { db: { host: 'db.internal', port: 5432 } } });
  // ...and the minion's templates see them as Python would: keys in order, ints as ints (the pillar's wire form)
  const applied = await run(['state', 'apply', 'm1', 'order', '--out', 'json']);
  expect(applied.code).toBe(0);
  expect(fs.readFileSync(path.join(out, 'm1', 'order'), 'utf8')).toBe("['http', '22'] [80, 443] tls\n");
  expect(JSON.stringify(items['db1'])).not.toMatch(/S3CRET/);

  const get = async (id: string, ...args: string[]) => json<Record<string, unknown>>(await run(['run', id, 'pillar.get', ...args, '--out', 'json']))[id];
  expect(await get('m1', 'secret:m1_only')).toBe(SECRET1);
  expect(await get('m2', 'secret:m1_only')).toBe('');
  expect(await get('m2', 'app:db:port')).toBe(5432);
  expect(await get('m2', 'ports:443')).toBe('tls'); // an int key, found as Salt's traverse finds it
  expect(await get('m3', 'app:db:password', 'nopass')).toBe('nopass');
  expect(await get('m3', 'app:db:user', 'default=admin')).toBe('admin');
  expect(await get('m3', 'app:db', '{"user": "admin", "host": "x"}', 'merge=True')).toEqual({ user: 'admin', host: 'db.internal', port: 5432 });

  // A pillar change is seen by targeting after saltutil.refresh_pillar (the master caches what it last sent).
  fs.appendFileSync(path.join(dir, 'pillar', 'common.sls'), 'tier: gold\nmine_functions:\n  tier:\n    - mine_function: pillar.get\n    - tier\n');
  const before = await run(['run', '-I', 'tier:gold', 'test.ping', '--out', 'json', '-t', '3']);
  expect(before.code).toBe(1);
  expect(before.stderr).toMatch(/No minions matched/);
  const refreshed = json<Record<string, unknown>>(await run(['run', '*', 'saltutil.refresh_pillar', '--out', 'json']));
  expect(refreshed).toEqual(Object.fromEntries(IDS.map((id) => [id, true])));
  const gold = await run(['run', '-I', 'tier:gold', 'test.ping', '--out', 'json', '-t', '3']);
  expect(Object.keys(json(gold)).sort()).toEqual([...IDS].sort());
  expect(JSON.parse(fs.readFileSync(path.join(fleet.minionDir('m3'), 'cache', 'pillar.json'), 'utf8'))['tier']).toBe('gold');
  // mine_functions from pillar (merged over the config's), published by mine.update.
  expect(json<Record<string, unknown>>(await run(['run', 'm3', 'mine.get', '*', 'tier', '--out', 'json']))['m3']).toEqual({});
  const upd = json<Record<string, Record<string, unknown>>>(await run(['run', '*', 'mine.update', '--out', 'json']));
  expect(upd['m1']).toMatchObject({ tier: 'gold', ident: 'm1' });
  expect(json<Record<string, unknown>>(await run(['run', 'm3', 'mine.get', '*', 'tier', '--out', 'json']))['m3']).toEqual(Object.fromEntries([...IDS].sort().map((id) => [id, 'gold'])));
}, 60_000);

test('another id\'s pillar is out of reach, and secrets are in no log and in no other minion\'s cache', async () => {
  // A rogue client with an accepted key of its own: asking as m1 is refused, asking as itself gets no secret.
  const keys = { id: 'rogue', ...createKeyPair() };
  const t = MinionTransport.connect({ host: '127.0.0.1', publishPort: fleet.publishPort, requestPort: fleet.requestPort, id: 'rogue' });
  try {
    const auth = async () => {
      const sent = createAuthRequest(keys);
      return openAuthReply(decodeExpecting(await t.request(encode(sent), 5000), ['auth.reply']) as AuthReply, sent, keys);
    };
    expect((await auth()).status).toBe('pending');
    expect((await run(['key', 'accept', 'rogue', '-y'])).code).toBe(0);
    const ok = await auth();
    if (ok.status !== 'accepted') throw new Error('rogue not accepted');
    const s = new ClientSession('rogue', ok.sessionKey);
    const own = s.seal({ kind: 'pillar' });
    const mine = s.openReply(decodeExpecting(await t.request(encode(own), 5000), ['rep']) as ReplyEnvelope, own.seq);
    expect(mine.ok).toBe(true);
    expect(JSON.stringify(mine)).not.toMatch(/S3CRET/);
    expect((mine as { data: Record<string, unknown> }).data['out']).toBe(out);
    // Speaking as m1 with its own session key: the master cannot open it as m1 and answers nothing but 'reauth'.
    const forged = { ...s.seal({ kind: 'pillar' }), id: 'm1' };
    const rep = decodeExpecting(await t.request(encode(forged), 5000), ['rep', 'error']);
    expect(rep.kind).toBe('error');
    expect(JSON.stringify(rep)).not.toMatch(/S3CRET/);
  } finally {
    await t.close();
    await run(['key', 'delete', 'rogue', '-y']);
  }

  // Every log file (debug level everywhere), every *.out, every other minion's cache: no secret.
  const files = walk(dir).filter((f) => !f.startsWith(path.join(dir, 'pillar') + path.sep));
  const logs = files.filter((f) => /\.(log|out)$/.test(f));
  expect(logs.length).toBeGreaterThanOrEqual(2 * IDS.length);
  for (const f of logs) {
    const text = fs.readFileSync(f, 'utf8');
    expect({ f, leaked: text.includes(SECRET1) || text.includes(SECRET2) }).toEqual({ f, leaked: false });
  }
  const jobsDir = path.join(fleet.masterDir, 'cache', 'jobs');
  let own = 0;
  for (const f of walk(jobsDir)) {
    // A job's returns file holds one line per return, each starting with its minion's id: only m1's may hold m1's
    // pillar, only m2's m2's. Every other file of the job cache holds neither.
    const lines = fs.readFileSync(f, 'utf8').split('\n');
    const owned = path.basename(f) === 'returns.jsonl';
    lines.forEach((text, i) => {
      const owner = owned ? /^\{"id":"([^"]+)"/.exec(text)?.[1] : undefined;
      if (owner === 'm1' && text.includes(SECRET1)) own++;
      const at = `${f}:${i + 1}`;
      expect({ at, leak1: owner !== 'm1' && text.includes(SECRET1), leak2: owner !== 'm2' && text.includes(SECRET2) }).toEqual({ at, leak1: false, leak2: false });
    });
  }
  expect(own).toBeGreaterThan(0); // the check above looked at the files that do hold m1's pillar
  for (const id of IDS) {
    for (const f of walk(fleet.minionDir(id))) {
      const text = fs.readFileSync(f, 'utf8');
      if (id !== 'm1') expect({ f, leaked: text.includes(SECRET1) }).toEqual({ f, leaked: false });
      if (id !== 'm2') expect({ f, leaked: text.includes(SECRET2) }).toEqual({ f, leaked: false });
    }
  }
  expect(fs.readFileSync(path.join(fleet.minionDir('m1'), 'cache', 'pillar.json'), 'utf8')).toContain(SECRET1);
}, 30_000);

test('allow_tgt: a mine function is readable only by the minions its owner allows', async () => {
  // (after the key tests above: m1..m3 and db1 are accepted again or still)
  const r = await run(['run', '*', 'mine.get', '*', 'dbonly', '--out', 'json', '-t', '10']);
  const got = json<Record<string, Record<string, string>>>(r);
  const readers = Object.keys(got).sort();
  expect(readers).toContain('db1');
  expect(Object.keys(got['db1']!).length).toBeGreaterThanOrEqual(2);
  for (const [owner, v] of Object.entries(got['db1']!)) expect(v).toBe(owner);
  for (const id of readers.filter((x) => x !== 'db1')) expect(got[id]).toEqual({});
  // Without allow_tgt every minion reads it.
  const open = json<Record<string, Record<string, string>>>(await run(['run', 'm1', 'mine.get', 'db1', 'ident', '--out', 'json', '-t', '10']));
  expect(open['m1']).toEqual({ db1: 'db1' });
}, 30_000);
