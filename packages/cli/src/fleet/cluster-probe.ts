/** Questions to the masters of a ClusterFleet over their control channels (the cluster demo and bench ask them). */
import * as path from 'path';
import { ControlClient } from '../control-client';

/** Ask a master's control channel. */
export async function control<T>(masterDir: string, f: (c: ControlClient) => Promise<T>): Promise<T> {
  const c = new ControlClient(path.join(masterDir, 'sock'));
  try {
    return await f(c);
  } finally {
    c.close();
  }
}

/** The minions connected to this master (its control-channel status). */
export async function servedBy(masterDir: string): Promise<string[]> {
  const s = await control(masterDir, (c) => c.request('status', {}));
  return Object.entries(s.minions)
    .filter(([, v]) => v === 'connected')
    .map(([id]) => id);
}

/** test.ping from one master, printing nothing: the minions that answered True within `timeoutS` of silence, and when the last did. */
export async function quietPing(masterDir: string, timeoutS: number): Promise<{ answered: Set<string>; lastAt: number }> {
  const answered = new Set<string>();
  let lastAt = 0;
  await control(masterDir, (c) =>
    c.request('publish', { tgt: '*', fun: 'test.ping', timeout: timeoutS, max_wait: timeoutS * 4 }, {
      timeoutMs: (timeoutS * 4 + 5) * 1000,
      onEvent: (e) => {
        if (e.event === 'return' && e.ret === true) {
          answered.add(e.minion);
          lastAt = Date.now();
        }
      },
    }),
  );
  return { answered, lastAt };
}

/** manage.present on each of these masters (the cluster's view of who is connected, no ping) lists every id. */
export async function allPresent(masterDirs: string[], ids: string[]): Promise<boolean> {
  const present = await Promise.all(masterDirs.map((d) => control(d, (k) => k.request('runner', { fun: 'manage.present', arg: [], kwarg: {} }))));
  return present.every((p) => Array.isArray(p.return) && ids.every((id) => (p.return as unknown[]).includes(id)));
}
