/** Test helpers around the Fleet harness: temp dirs, the CLI pointed at the fleet's master. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Fleet, type FleetOptions } from '../../packages/cli/src/fleet/fleet';
import { brine, brineAsync, json, type CliResult } from './cli';

export { Fleet, waitFor } from '../../packages/cli/src/fleet/fleet';

export const PEER = path.resolve(__dirname, '../../../shared/bench/peer');

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

export function masterLog(f: Fleet): string {
  try {
    return fs.readFileSync(path.join(f.masterDir, 'master.log'), 'utf8');
  } catch {
    return '';
  }
}
