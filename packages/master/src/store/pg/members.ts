/**
 * The cluster's members in PostgreSQL. The first master to join records the cluster's id and the fingerprint of its
 * signing key (the key stays on each master's disk); a master with another key or another cluster id is refused at
 * start. Each member records the hash of the state tree it serves and when it was last alive, so masters serving
 * different trees can be named.
 */
import { BrineError } from '@brine/core';
import type { Db } from './connect';
import { LOCK_NS } from './migrations';

/** Second key of the join lock within LOCK_NS. */
const JOIN_LOCK = 3;

export class ClusterMismatch extends BrineError {
  constructor(message: string) {
    super('cluster-identity', message);
  }
}

export interface Member {
  name: string;
  address: string | null;
  treeHash: string | null;
  startedAt: string;
  seenAt: string;
  /** The minions connected to it at its last heartbeat. */
  connected: string[];
}

export interface JoinRequest {
  clusterId: string;
  /** Fingerprint of the cluster signing key this master holds. */
  fingerprint: string;
  address?: string;
  treeHash?: string;
}

export class PgMembers {
  constructor(
    private readonly db: Db,
    private readonly master: string,
  ) {}

  /** Join the cluster (the first master founds it); refused when the cluster id or the signing key differ. */
  async join(j: JoinRequest): Promise<void> {
    await this.db.tx(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_NS, JOIN_LOCK]);
      const row = (await c.query<{ cluster_id: string; fingerprint: string; created_by: string }>('SELECT cluster_id, fingerprint, created_by FROM brine_cluster')).rows[0];
      if (!row) {
        await c.query('INSERT INTO brine_cluster (cluster_id, fingerprint, created_by) VALUES ($1, $2, $3)', [j.clusterId, j.fingerprint, this.master]);
      } else if (row.cluster_id !== j.clusterId) {
        throw new ClusterMismatch(`PostgreSQL store at ${this.db.where} belongs to cluster '${row.cluster_id}', not '${j.clusterId}': check cluster.id and cluster.store on master '${this.master}'`);
      } else if (row.fingerprint !== j.fingerprint) {
        throw new ClusterMismatch(
          `master '${this.master}' holds a cluster key with fingerprint ${j.fingerprint}, but cluster '${row.cluster_id}' signs with ${row.fingerprint} (set by master '${row.created_by}'): place the same cluster key on every master`,
        );
      }
      await c.query(
        `INSERT INTO brine_masters (name, address, tree_hash) VALUES ($1, $2, $3)
         ON CONFLICT (name) DO UPDATE SET address = EXCLUDED.address, tree_hash = EXCLUDED.tree_hash, started_at = clock_timestamp(), seen_at = clock_timestamp()`,
        [this.master, j.address ?? null, j.treeHash ?? null],
      );
    });
  }

  /** This master is alive, serving the tree with this hash (and, when given, with these minions connected). */
  async heartbeat(treeHash?: string, connected?: string[]): Promise<void> {
    await this.db.query('UPDATE brine_masters SET seen_at = clock_timestamp(), tree_hash = coalesce($2, tree_hash), connected = coalesce($3::json, connected) WHERE name = $1', [
      this.master,
      treeHash ?? null,
      connected ? JSON.stringify(connected) : null,
    ]);
  }

  async leave(): Promise<void> {
    await this.db.query('DELETE FROM brine_masters WHERE name = $1', [this.master]);
  }

  /** Members seen within `aliveMs` (all when not given), by name. */
  async members(aliveMs?: number): Promise<Member[]> {
    const rows = await this.db.query<{ name: string; address: string | null; tree_hash: string | null; started_at: Date; seen_at: Date; connected: string[] }>(
      `SELECT name, address, tree_hash, started_at, seen_at, connected FROM brine_masters
       ${aliveMs === undefined ? '' : 'WHERE seen_at >= clock_timestamp() - $1 * interval \'1 millisecond\''} ORDER BY name COLLATE "C"`,
      aliveMs === undefined ? [] : [aliveMs],
    );
    return rows.map((r) => ({ name: r.name, address: r.address, treeHash: r.tree_hash, startedAt: r.started_at.toISOString(), seenAt: r.seen_at.toISOString(), connected: Array.isArray(r.connected) ? r.connected : [] }));
  }

  /** Live members grouped by the tree hash they serve; more than one group: the masters serve different trees. */
  async trees(aliveMs?: number): Promise<Record<string, string[]>> {
    const out: Record<string, string[]> = {};
    for (const m of await this.members(aliveMs)) (out[m.treeHash ?? '(unknown)'] ??= []).push(m.name);
    return out;
  }
}
