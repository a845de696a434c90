/**
 * A master cluster on one host, for the tests, the bench and `brine demo --cluster`: a throwaway PostgreSQL server,
 * N masters sharing it and one cluster key (placed in each master's cluster pki dir, as an operator would), and
 * minions that list every master (`master: [...]`, failover, shuffled).
 */
import * as fs from 'fs';
import * as path from 'path';
import { generateKeyPair } from '@brine/protocol/dist/crypto/keys';
import { Fleet, freePort } from './fleet';
import { startPostgres, type PgServer } from './postgres';

export interface ClusterFleetOptions {
  dir: string;
  masters: number;
  minions: string[];
  fileRoots: string[];
  pillarRoots?: string[];
  clusterId?: string;
  /** Extra config for every master / each minion. */
  master?: Record<string, unknown>;
  minion?: (id: string) => Record<string, unknown>;
  /** Use this server instead of starting one (its DSN). */
  dsn?: string;
}

export class ClusterFleet {
  readonly masters: Fleet[] = [];
  /** The minions run under the first master's Fleet (their configs list every master). */
  private pg: PgServer | undefined;
  dsn = '';
  /** Each master's ports, known once configure() has begun (before any minion config is written). */
  readonly ports: { publish: number; request: number }[] = [];

  constructor(readonly o: ClusterFleetOptions) {}

  get minionFleet(): Fleet {
    return this.masters[0]!;
  }

  masterName(i: number): string {
    return `m${i + 1}`;
  }

  /** Start PostgreSQL (unless given), write every master's and minion's config; nothing else runs yet. */
  async configure(): Promise<void> {
    if (this.o.dsn) this.dsn = this.o.dsn;
    else {
      this.pg = await startPostgres();
      this.dsn = this.pg.dsn;
    }
    const keyDir = path.join(this.o.dir, 'cluster-key');
    generateKeyPair(keyDir, 'cluster');
    const ports = this.ports;
    for (let i = 0; i < this.o.masters; i++) ports.push({ publish: await freePort(), request: await freePort() });
    const list = ports.map((p) => `127.0.0.1:${p.request}`);
    for (let i = 0; i < this.o.masters; i++) {
      const dir = path.join(this.o.dir, this.masterName(i));
      const pki = path.join(dir, 'master', 'pki', 'cluster');
      fs.mkdirSync(pki, { recursive: true, mode: 0o700 });
      for (const f of ['cluster.pem', 'cluster.pub']) fs.copyFileSync(path.join(keyDir, f), path.join(pki, f));
      const f = new Fleet({
        dir,
        // The first master's Fleet holds the minions (their directories and processes).
        minions: i === 0 ? this.o.minions : [],
        fileRoots: this.o.fileRoots,
        pillarRoots: this.o.pillarRoots,
        ports: ports[i],
        master: { cluster: { id: this.o.clusterId ?? 'demo', store: this.dsn, pki_dir: 'pki/cluster', name: this.masterName(i) }, ...this.o.master },
        // publish_port unset: each master names its own in its auth reply.
        minion: (id) => ({ master: list, master_type: 'failover', master_shuffle: true, master_alive_interval: 5, publish_port: null, ...this.o.minion?.(id) }),
      });
      await f.configure();
      this.masters.push(f);
    }
  }

  async startMasters(): Promise<void> {
    await Promise.all(this.masters.map((m) => m.startMaster()));
  }

  startMinions(ids = this.o.minions): void {
    this.minionFleet.startMinions(ids);
  }

  /** Stop PostgreSQL for a while (data kept), and start it again. */
  async pausePostgres(): Promise<void> {
    await this.pg?.pause();
  }

  async resumePostgres(): Promise<void> {
    await this.pg?.resume();
  }

  async stop(): Promise<void> {
    await this.minionFleet?.stop();
    await Promise.all(this.masters.slice(1).map((m) => m.stop()));
    await this.pg?.stop();
  }
}
