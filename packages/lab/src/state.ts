/** The lab's state file (`<stateDir>/state.json`): what up() made, so down() can undo it even after a failed up. */
import * as fs from 'fs';
import * as path from 'path';
import type { LabConfig } from './config';

export interface TrackedProcess {
  node: string;
  name: string;
  pid: number;
  /** /proc/PID/stat start time, so a reused pid is never killed. */
  start: string;
  log: string;
}

export interface LabState {
  prefix: string;
  subnet: string;
  vip: string;
  createdAt: string;
  namespaces: string[];
  processes: TrackedProcess[];
}

export const stateFile = (c: LabConfig): string => path.join(c.stateDir, 'state.json');

export function readState(c: LabConfig): LabState | null {
  try {
    return JSON.parse(fs.readFileSync(stateFile(c), 'utf8')) as LabState;
  } catch {
    return null;
  }
}

export function writeState(c: LabConfig, s: LabState): void {
  fs.mkdirSync(c.stateDir, { recursive: true, mode: 0o700 });
  const tmp = `${stateFile(c)}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(s, null, 2) + '\n', { mode: 0o600 });
  fs.renameSync(tmp, stateFile(c));
}

export function updateState(c: LabConfig, f: (s: LabState) => void): LabState {
  const s = readState(c) ?? { prefix: c.prefix, subnet: c.subnet, vip: c.vip, createdAt: new Date().toISOString(), namespaces: [], processes: [] };
  f(s);
  writeState(c, s);
  return s;
}
