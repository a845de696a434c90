/**
 * Jobs the minions report running: each `job.running` heartbeat (sent every 2 s while a job takes longer than half a
 * second) is noted here, and a return clears it. `jobs.active` reads it: a job is active while a minion it targeted
 * beat within the last few seconds and has not returned.
 */
const ALIVE_MS = 6000;

export class RunningJobs {
  private readonly beats = new Map<string, Map<string, { t: number; pid: number | null }>>();

  private beatsSincePrune = 0;

  beat(jid: string, id: string, pid: number | null = null, now = Date.now()): void {
    // Minions that died mid-job never clear their entry: drop stale ones now and then.
    if (++this.beatsSincePrune >= 1000) {
      this.beatsSincePrune = 0;
      this.active(now);
    }
    let m = this.beats.get(jid);
    if (!m) this.beats.set(jid, (m = new Map()));
    m.set(id, { t: now, pid });
  }

  /** Has `id` reported `jid` running already (so it was checked as targeted)? */
  has(jid: string, id: string): boolean {
    return this.beats.get(jid)?.has(id) ?? false;
  }

  returned(jid: string, id: string): void {
    const m = this.beats.get(jid);
    if (!m) return;
    m.delete(id);
    if (m.size === 0) this.beats.delete(jid);
  }

  /**
   * jid -> minions still running it (heartbeat within ALIVE_MS) with the pid of their job process (null for a job
   * that runs inside the minion daemon); stale entries are dropped.
   */
  active(now = Date.now()): Map<string, { id: string; pid: number | null }[]> {
    const out = new Map<string, { id: string; pid: number | null }[]>();
    for (const [jid, m] of this.beats) {
      for (const [id, b] of m) if (now - b.t > ALIVE_MS) m.delete(id);
      if (m.size === 0) this.beats.delete(jid);
      else out.set(jid, [...m].map(([id, b]) => ({ id, pid: b.pid })).sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0)));
    }
    return out;
  }
}
