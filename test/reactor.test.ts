/**
 * The reactor with a real master and minion: the example, a `service` beacon on a real nginx (under the
 * supervisor provider) plus a reactor that runs `state.sls nginx` on the minion the event came from, brings a
 * stopped nginx back; the loop guard stops a reaction whose own events keep re-triggering it, and never limits
 * independent events (30 minions asking to be accepted in a row are all accepted by Salt's auto-accept reactor).
 */
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { freePort } from '../packages/cli/src/fleet/fleet';
import { Listener } from './helpers/listener';
import { acceptAll, fleetTrees, masterLog, minionLog, onMasterAsync, removeFleet, startFleet, waitFor, type Fleet } from './helpers/fleet';

/** Debian's nginx (scripts/install-deps.sh installs it). */
const NGINX = '/usr/sbin/nginx';

function get(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', timeout: 2000 }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
  });
}

const answers = async (port: number) => get(port).then((b) => b === 'healed\n', () => false);

/** Lines of the master's JSON log whose message contains `text`. */
const logged = (f: Fleet, text: string) => masterLog(f).split('\n').filter((l) => l.includes(text));
/** The reactor's publications of `fun`, from the master's log. */
const publishedBy = (f: Fleet, fun: string) => logged(f, 'reactor: job published').map((l) => JSON.parse(l) as Record<string, unknown>).filter((m) => m['fun'] === fun);
const LIMIT = 3;

describe('reactor', () => {
  let fleet: Fleet;
  let port: number;
  let work: string;
  let bus: Listener;

  beforeAll(async () => {
    port = await freePort();
    const t = fleetTrees('brine-reactor-', (o) => {
      work = path.join(path.dirname(o), 'nginx');
      const servicesDir = path.join(path.dirname(o), 'minions', 'r1', 'services.d');
      const conf = [
        'worker_processes 1;',
        `pid ${work}/nginx.pid;`,
        `error_log ${work}/error.log;`,
        'events { worker_connections 64; }',
        'http {',
        '  access_log off;',
        `  client_body_temp_path ${work}/body; proxy_temp_path ${work}/proxy; fastcgi_temp_path ${work}/fastcgi; uwsgi_temp_path ${work}/uwsgi; scgi_temp_path ${work}/scgi;`,
        `  server { listen 127.0.0.1:${port}; location / { return 200 "healed\\n"; } }`,
        '}',
      ].join('\n');
      const def = { command: [NGINX, '-p', `${work}/`, '-c', `${work}/nginx.conf`, '-e', `${work}/error.log`, '-g', 'daemon off;'], restart: 'no', stop_signal: 'SIGTERM', ready: { tcp: `127.0.0.1:${port}`, timeout: 10 } };
      return {
        tree: {
          'top.sls': 'base: {}\n',
          // The nginx formula of this test: its config, its supervisor definition, and the service running.
          'nginx.sls': [
            'nginx_conf:',
            '  file.managed:',
            `    - name: ${work}/nginx.conf`,
            '    - makedirs: True',
            `    - contents: ${JSON.stringify(conf)}`,
            'nginx_def:',
            '  file.managed:',
            `    - name: ${servicesDir}/brnginx.yaml`,
            '    - makedirs: True',
            `    - contents: ${JSON.stringify(JSON.stringify(def))}`,
            'brnginx:',
            '  service.running:',
            '    - require:',
            '      - file: nginx_conf',
            '      - file: nginx_def',
            '',
          ].join('\n'),
          // Salt 3006's reactor format: the event's data in the template, args as a list of {key: value}.
          'reactor/heal.sls': [
            "{% set svc = data['service_name'] %}",
            "{% if not data[svc]['running'] %}",
            'heal_{{ svc }}:',
            '  local.state.sls:',
            "    - tgt: {{ data['id'] }}",
            '    - args:',
            '      - mods: nginx',
            '{% endif %}',
            '',
          ].join('\n'),
          // Salt's documented auto-accept: minions whose id starts with auto are accepted as they ask.
          'reactor/autoaccept.sls': "{% if data['act'] == 'pend' and data['id'].startswith('auto') %}\naccept:\n  wheel.key.accept:\n    - match: {{ data['id'] }}\n{% endif %}\n",
          // 30 salt/auth events in a row (as 30 new minions asking at once), fired by one orchestration.
          'orch/auth30.sls': [
            '{% for i in range(1, 31) %}',
            'auth_{{ i }}:',
            '  salt.runner:',
            '    - name: event.send',
            '    - tag: salt/auth',
            "    - data: {act: pend, result: true, id: {{ 'autobulk%02d' % i }}}",
            '{% endfor %}',
            '',
          ].join('\n'),
          'reactor/report.sls': "who:\n  runner.manage.up:\n    - tgt: {{ data['id'] }}\n",
          'reactor/broken.sls': "oops:\n  local.test.ping:\n    - tgt: {{ data['data']['nope']['deeper'] }}\n",
          // A reaction that re-triggers itself: each test.echo return publishes another test.echo to its minion.
          'reactor/loop.sls': [
            "{% if data['fun'] == 'test.echo' %}",
            'again:',
            '  local.test.echo:',
            "    - tgt: {{ data['id'] }}",
            '    - arg:',
            '      - loop',
            '{% endif %}',
            '',
          ].join('\n'),
        },
        pillar: { 'top.sls': 'base: {}\n' },
      };
    });
    fleet = await startFleet({
      dir: t.dir,
      minions: ['r1'],
      fileRoots: [t.tree],
      pillarRoots: [t.pillar],
      master: {
        reactor: [{ 'salt/beacon/*/service/*': ['salt://reactor/heal.sls'] }, { 'salt/job/*/ret/*': 'salt://reactor/loop.sls' }, { 'myco/broken': 'salt://reactor/broken.sls' }, { 'salt/auth': 'salt://reactor/autoaccept.sls' }, { 'myco/report': 'salt://reactor/report.sls' }],
        reactor_loop_limit: LIMIT,
      },
      minion: () => ({
        beacons: { service: [{ services: { brnginx: { onchangeonly: true, emitatstartup: false } } }, { interval: 0.5 }] },
      }),
    });
    bus = new Listener(fleet.masterDir);
    await acceptAll(fleet, ['r1']);
  }, 90_000);

  afterAll(async () => {
    // nginx runs in its own session under its keeper: stop it by its pid file.
    try {
      const pid = Number(fs.readFileSync(path.join(work, 'nginx.pid'), 'utf8'));
      if (pid > 1) process.kill(pid, 'SIGTERM');
    } catch {
      /* not running */
    }
    await bus?.stop();
    await removeFleet(fleet);
  });

  test('a service beacon on nginx + a reactor running state.sls nginx on the source minion bring a stopped nginx back', async () => {
    const first = await onMasterAsync(fleet, ['run', 'r1', 'state.sls', 'nginx', '--out', 'json', '-t', '30']);
    expect(first.code).toBe(0);
    await waitFor(() => answers(port), 15_000, 'nginx answering after the first state run');
    // The beacon samples the status: stop nginx only once it has seen it running (a stop it never saw start is no change).
    await bus.next((e) => e.tag === 'salt/beacon/r1/service/brnginx' && (e.data['brnginx'] as { running: boolean }).running === true, 20_000, 'the beacon seeing nginx up');
    const pid1 = Number(fs.readFileSync(path.join(work, 'nginx.pid'), 'utf8'));

    process.kill(pid1, 'SIGTERM'); // a clean stop; restart: no, so the keeper leaves it down
    await waitFor(async () => !(await answers(port)), 15_000, 'nginx down');
    await waitFor(() => answers(port), 30_000, 'nginx brought back by the reactor').catch((e: Error) => {
      // What the master saw and did, for the reader of a failure.
      const seen = masterLog(fleet).split('\n').filter((l) => /reactor|beacon|brnginx|state\.sls/.test(l));
      throw new Error(`${e.message}\n${seen.slice(-40).join('\n')}\nminion:\n${minionLog(fleet, 'r1').split('\n').slice(-40).join('\n')}`);
    });
    const pid2 = Number(fs.readFileSync(path.join(work, 'nginx.pid'), 'utf8'));
    expect(pid2).not.toBe(pid1);
    // One reaction (to running=False; the change to running=True renders none), targeted at the beacon's minion.
    const published = publishedBy(fleet, 'state.sls');
    expect(published.length).toBe(1);
    expect(published[0]!['tgt']).toBe('r1');
    // Its job returns (nginx answers as soon as it started; the state run returns after), and the job cache holds
    // the return with nginx's service state started.
    await bus.next((e) => e.tag === `salt/job/${String(published[0]!['jid'])}/ret/r1`, 30_000, "the reactor's job to return");
    const show = await onMasterAsync(fleet, ['jobs', 'show', String(published[0]!['jid']), '--out', 'json']);
    expect(show.code).toBe(0);
    const ret = JSON.parse(show.stdout) as Record<string, Record<string, { result: boolean; changes: Record<string, unknown> }>>;
    const svc = Object.entries(ret['r1']!).find(([tag]) => tag.startsWith('service_|-brnginx'))![1];
    expect(svc.result).toBe(true);
    expect(Object.keys(svc.changes).length).toBeGreaterThan(0);
  }, 120_000);

  test('a reactor SLS that fails to render is logged with its file:line; the master carries on', async () => {
    expect((await onMasterAsync(fleet, ['run', 'r1', 'event.send', 'myco/broken', 'x=1', '--out', 'json'])).code).toBe(0);
    await waitFor(async () => logged(fleet, 'reactor: salt://reactor/broken.sls:3').length > 0, 20_000, 'the render error in the master log');
    expect(JSON.parse(logged(fleet, 'reactor: salt://reactor/broken.sls:3')[0]!)).toMatchObject({ level: 'error', tag: 'myco/broken' });
    const ping = await onMasterAsync(fleet, ['run', 'r1', 'test.ping', '--out', 'json']);
    expect(ping.code).toBe(0);
    expect(JSON.parse(ping.stdout)).toEqual({ r1: true });
  }, 60_000);

  test('wheel.key.accept: a new minion whose id matches is accepted by the reactor when it asks (salt/auth pend)', async () => {
    fleet.configureMinion('auto1');
    fleet.startMinion('auto1');
    await waitFor(async () => {
      const r = await onMasterAsync(fleet, ['run', 'auto1', 'test.ping', '--out', 'json', '-t', '2']);
      return r.code === 0 && r.stdout.includes('"auto1": true');
    }, 40_000, 'auto1 accepted by the reactor and answering');
    const keys = JSON.parse((await onMasterAsync(fleet, ['key', 'list', '--out', 'json'])).stdout) as Record<string, string[]>;
    expect(Object.values(keys).some((ids) => ids.includes('auto1'))).toBe(true);
    expect(logged(fleet, 'reactor: wheel key.accept').map((l) => JSON.parse(l)['minions'])).toEqual([['auto1']]);
  }, 60_000);

  test('runner.<fun>: a runner run by the reactor (manage.up pings the minion)', async () => {
    const before = bus.events.length;
    expect((await onMasterAsync(fleet, ['run', 'r1', 'event.send', 'myco/report', '--out', 'json'])).code).toBe(0);
    const ping = await bus.next((e) => bus.events.indexOf(e) >= before && /^salt\/job\/\d{20}\/new$/.test(e.tag) && e.data['fun'] === 'test.ping' && e.data['user'] === 'runner', 20_000, "manage.up's ping job");
    expect(ping.data['tgt']).toBe('r1');
    await waitFor(async () => logged(fleet, 'reactor: runner manage.up ran').length > 0, 20_000, 'the runner to finish');
  }, 60_000);

  test('loop guard: a reaction whose own returns re-trigger it runs reactor_loop_limit deep, then is stopped and logged once', async () => {
    expect((await onMasterAsync(fleet, ['run', 'r1', 'test.echo', 'loop', '--out', 'json'])).code).toBe(0);
    await waitFor(async () => logged(fleet, 'loop guard stopped').length > 0, 30_000, 'the loop guard to stop the reaction');
    const stop = JSON.parse(logged(fleet, 'loop guard stopped')[0]!) as Record<string, unknown>;
    expect(stop).toMatchObject({ sls: 'salt://reactor/loop.sls', limit: LIMIT, depth: LIMIT + 1 });
    expect(String(stop['tag'])).toMatch(/^salt\/job\/\d{20}\/ret\/r1$/);
    expect(publishedBy(fleet, 'test.echo').length).toBe(LIMIT);
    // Stopped for good: nothing more was published once the guard refused (a later job of the operator's goes
    // through the master's queue after anything the loop could still have sent).
    expect((await onMasterAsync(fleet, ['run', 'r1', 'test.ping', '--out', 'json'])).code).toBe(0);
    expect(publishedBy(fleet, 'test.echo').length).toBe(LIMIT);
    expect(logged(fleet, 'loop guard stopped').length).toBe(1);
    // In firing order on the bus: each return comes before the job the reaction to it published (a reaction
    // publishes inside the bus's delivery of its trigger; that job's `new` event waits its turn).
    const jids = publishedBy(fleet, 'test.echo').map((m) => String(m['jid']));
    await bus.next((e) => e.tag === `salt/job/${jids[LIMIT - 1]!}/ret/r1`, 20_000, 'the last loop job to return');
    const echo = bus.events.filter((e) => /^salt\/job\/\d{20}\/(new|ret\/r1)$/.test(e.tag) && e.data['fun'] === 'test.echo').map((e) => e.tag.replace(/^salt\/job\/(\d{20})\//, (_, j: string) => `${jids.indexOf(j)}/`));
    expect(echo).toEqual(['-1/new', '-1/ret/r1', '0/new', '0/ret/r1', '1/new', '1/ret/r1', '2/new', '2/ret/r1']);
  }, 60_000);

  test('independent events are never limited: 30 salt/auth events in a row, 30 pending keys auto-accepted', async () => {
    const ids = Array.from({ length: 30 }, (_, i) => `autobulk${String(i + 1).padStart(2, '0')}`);
    // 30 pending keys (r1's public key under 30 ids), as 30 new minions would leave them.
    const pki = path.join(fleet.masterDir, 'pki', 'minions');
    const pem = fs.readFileSync(path.join(pki, 'accepted', 'r1'), 'utf8');
    for (const id of ids) fs.writeFileSync(path.join(pki, 'pending', id), pem);
    await waitFor(async () => {
      const r = await onMasterAsync(fleet, ['runner', 'key.list', 'pre', '--out', 'json']);
      return r.code === 0 && ids.every((id) => r.stdout.includes(`"${id}"`));
    }, 20_000, 'the master seeing the 30 pending keys');
    const orch = await onMasterAsync(fleet, ['runner', 'state.orchestrate', 'orch.auth30', '--out', 'json']);
    expect(orch.code).toBe(0);
    await waitFor(async () => {
      const r = await onMasterAsync(fleet, ['runner', 'key.list', 'acc', '--out', 'json']);
      return r.code === 0 && ids.every((id) => (JSON.parse(r.stdout) as { minions: string[] }).minions.includes(id));
    }, 30_000, 'all 30 keys accepted by the reactor');
    // One reaction per event, each accepting its own key; none refused as a loop.
    const accepted = logged(fleet, 'reactor: wheel key.accept').map((l) => (JSON.parse(l) as { minions: string[] }).minions).filter((m) => m.some((id) => id.startsWith('autobulk')));
    expect(accepted.sort()).toEqual(ids.map((id) => [id]));
    expect(logged(fleet, 'loop guard').filter((l) => l.includes('salt/auth'))).toEqual([]);
    expect((await onMasterAsync(fleet, ['key', 'delete', 'autobulk*', '-y'])).code).toBe(0);
  }, 90_000);
});
