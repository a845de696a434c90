/** Test helpers around the Fleet harness: temp dirs, the CLI pointed at the fleet's master. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Fleet, type FleetOptions } from '../../packages/cli/src/fleet/fleet';
import { JobCache, type ReturnRecord } from '../../packages/master/src/jobcache';
import { brine, brineAsync, json, type CliResult } from './cli';

export { Fleet, waitFor } from '../../packages/cli/src/fleet/fleet';
import { waitFor as waitForAsync } from '../../packages/cli/src/fleet/fleet';

export const PEER = path.resolve(__dirname, '../../bench/peer');

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export async function startFleet(o: Omit<FleetOptions, 'dir'> & { dir?: string }): Promise<Fleet> {
  const f = new Fleet({ dir: o.dir ?? tempDir('brine-fleet-'), ...o });
  await f.configure();
  await f.startMaster();
  f.startMinions();
  return f;
}

/** `brine -c <master dir> ...` */
export function onMaster(f: Fleet, args: string[]): CliResult {
  return brine(['-c', f.masterDir, ...args]);
}

export function onMasterAsync(f: Fleet, args: string[]): Promise<CliResult> {
  return brineAsync(['-c', f.masterDir, ...args]);
}

export { json };

export function minionLog(f: Fleet, id: string): string {
  try {
    return fs.readFileSync(path.join(f.minionDir(id), 'minion.log'), 'utf8');
  } catch {
    return '';
  }
}

/** The returns the master's job cache holds for `jid`, read from its disk as `brine jobs` does (none: no such job). */
export function cachedReturns(f: Fleet, jid: string): ReturnRecord[] {
  return new JobCache(path.join(f.masterDir, 'cache'), 24).returns(jid);
}

export function masterLog(f: Fleet): string {
  try {
    return fs.readFileSync(path.join(f.masterDir, 'master.log'), 'utf8');
  } catch {
    return '';
  }
}

/** Write a tree of files under `root` (parent directories created): `{ 'top.sls': '...', 'web/init.sls': '...' }`. */
export function writeFiles(root: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    const f = path.join(root, rel);
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, text);
  }
}

/** A temp dir holding a state tree and a pillar tree for a fleet test; `out` is where states write. */
export function fleetTrees(prefix: string, files: (out: string) => { tree: Record<string, string>; pillar: Record<string, string> }): { dir: string; out: string; tree: string; pillar: string } {
  const dir = tempDir(prefix);
  const out = path.join(dir, 'out');
  const t = files(out);
  writeFiles(path.join(dir, 'tree'), t.tree);
  writeFiles(path.join(dir, 'pillar'), t.pillar);
  return { dir, out, tree: path.join(dir, 'tree'), pillar: path.join(dir, 'pillar') };
}

/** Accept every pending key and wait until all `ids` answer test.ping (without blocking the jest event loop). */
export async function acceptAll(f: Fleet, ids: string[]): Promise<void> {
  await f.waitForKeys(ids, 'pending');
  const acc = await onMasterAsync(f, ['key', 'accept', '--all', '-y']);
  if (acc.code !== 0) throw new Error(`key accept failed: ${acc.stderr}`);
  await waitForAsync(async () => {
    const r = await onMasterAsync(f, ['run', '*', 'test.ping', '--out', 'json', '-t', '2']);
    return r.code === 0 && Object.keys(json(r)).length === ids.length;
  }, 30_000, 'all minions answering');
}

/** A fleet of `ids` with an empty state tree and pillar, every key accepted and every minion answering. */
export async function acceptedFleet(prefix: string, ids: string[]): Promise<Fleet> {
  const dir = tempDir(prefix);
  writeFiles(path.join(dir, 'tree'), { 'top.sls': 'base: {}\n' });
  writeFiles(path.join(dir, 'pillar'), { 'top.sls': 'base: {}\n' });
  const f = await startFleet({ dir, minions: ids, fileRoots: [path.join(dir, 'tree')] });
  await acceptAll(f, ids);
  return f;
}

/** Stop every daemon of the fleet and remove its directory. */
export async function removeFleet(f: Fleet | undefined): Promise<void> {
  if (!f) return;
  await f.stop();
  fs.rmSync(f.dir, { recursive: true, force: true });
}
