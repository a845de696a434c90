/**
 * `brine demo`: Brine's main job on embedded defaults. A master and three minions start on this machine (their
 * own config dirs under a temp dir, loopback ports), the keys are accepted, a highstate runs on all of them and
 * prints Salt's summary; a second highstate shows that nothing is left to change. Everything is stopped after.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Fleet, waitFor } from '../fleet/fleet';
import { EXIT } from '../exit';
import type { GlobalOpts } from '../globals';
import { ControlClient } from '../control-client';

/** The demo's embedded state tree and pillar (shared with `brine demo --cluster`). */
export const DEMO_ASSETS = path.resolve(__dirname, '../../assets/demo');
const ASSETS = DEMO_ASSETS;
const MINIONS: Record<string, string[]> = { web1: ['web'], web2: ['web'], db1: ['db'] };

export interface DemoOpts extends GlobalOpts {
  keep?: boolean;
  dir?: string;
  /** Three masters sharing a throwaway PostgreSQL, six minions and a failover (demo-cluster.ts). */
  cluster?: boolean;
}

export function say(s: string): void {
  process.stderr.write(process.stderr.isTTY ? `\x1b[1m==>\x1b[0m ${s}\n` : `==> ${s}\n`);
}

/** A brine command against the master of `masterDir`, in this process (its output printed as the CLI prints it). */
export async function runBrine(masterDir: string, args: string[]): Promise<number> {
  const { main } = await import('../main');
  return main([process.execPath, 'brine', '-c', masterDir, ...args]);
}

async function run(fleet: Fleet, args: string[]): Promise<number> {
  return runBrine(fleet.masterDir, args);
}

/** The demo's pillar under `dir` (its rendered files go to dir/out); returns the pillar directory. */
export function writeDemoPillar(dir: string): string {
  const pillar = path.join(dir, 'pillar');
  fs.cpSync(path.join(ASSETS, 'pillar'), pillar, { recursive: true });
  fs.writeFileSync(path.join(pillar, 'demo.sls'), `demo:\n  root: ${path.join(dir, 'out')}\n  somaxconn: 4096\n`);
  return pillar;
}

export async function demoCommand(o: DemoOpts): Promise<number> {
  if (o.cluster) {
    const { demoClusterCommand } = await import('./demo-cluster');
    return demoClusterCommand(o);
  }
  const dir = o.dir ? path.resolve(o.dir) : fs.mkdtempSync(path.join(os.tmpdir(), 'brine-demo-'));
  const pillar = writeDemoPillar(dir);
  const fleet = new Fleet({
    dir,
    minions: Object.keys(MINIONS),
    fileRoots: [path.join(ASSETS, 'states')],
    pillarRoots: [pillar],
    minion: (id) => ({ grains: { roles: MINIONS[id] }, mine_functions: { ident: { mine_function: 'grains.get', key: 'id' } } }),
  });
  let code: number = EXIT.ok;
  try {
    say(`starting a master and ${Object.keys(MINIONS).length} minions in ${dir}`);
    await fleet.configure();
    await fleet.startMaster();
    fleet.startMinions();
    await fleet.waitForKeys(Object.keys(MINIONS), 'pending', 30_000);
    say('minion keys are waiting for acceptance: brine key list');
    await run(fleet, ['key', 'list']);
    say('brine key accept --all -y');
    await run(fleet, ['key', 'accept', '--all', '-y']);
    const t0 = Date.now();
    await waitFor(
      async () => {
        const c = new ControlClient(path.join(fleet.masterDir, 'sock'));
        try {
          const s = await c.request('status', {});
          return Object.values(s.minions).every((v) => v === 'connected');
        } finally {
          c.close();
        }
      },
      30_000,
      'every minion connected',
    );
    say(`all minions authenticated ${((Date.now() - t0) / 1000).toFixed(2)} s after acceptance`);
    say("brine state highstate '*'");
    code = await run(fleet, ['state', 'highstate', '*', '--state-output', 'changes', '-t', '30']);
    say("again, to show it is idempotent: brine state highstate '*' --state-output terse");
    const again = await run(fleet, ['state', 'highstate', '*', '--state-output', 'terse', '-t', '30']);
    if (again !== EXIT.ok && code === EXIT.ok) code = again;
    say(`rendered files are under ${path.join(dir, 'out')}`);
  } finally {
    await fleet.stop();
    if (!o.keep && !o.dir) fs.rmSync(dir, { recursive: true, force: true });
    else say(`kept ${dir}`);
  }
  return code;
}
