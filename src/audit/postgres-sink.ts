import { escapeLiteral, type Pool, type PoolClient } from 'pg';
import type { AuditEntry, ChainedEntry } from './audit-record.js';
import { paged } from './audit-filter.js';
import { AUDIT_COLUMNS, auditHistory, DECISION_COPY_COLUMNS, fromRow, pageQuery, rowValues, storedEntry, VERIFY_PAGE, type AuditRow } from './audit-rows.js';
import type { AuditFilter, AuditPage, AuditResult, AuditSink } from './audit-sink.js';
import { chain, GENESIS_ANCHOR, nextLink, verifyPages, type ChainAnchor, type VerifyResult } from './chain.js';
import { GroupCommit } from './group-commit.js';
import { RecentDecisions } from './recent-decisions.js';
import type { Durability } from '../store/durability.js';
import { openPostgres, pingPostgres } from '../store/postgres.js';
import { inTransaction } from '../store/postgres-transaction.js';

/** Array types for inserting a whole batch with one `unnest`, in AUDIT_COLUMNS order. */
const COLUMN_TYPES = ['bigint', 'double precision', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'text'];

export interface PostgresAuditSinkOptions {
  /** The schema holding the tables, created if missing; by default the connection's search path. */
  readonly schema?: string;
  /** What a committed batch survives (store/durability.ts); `process` by default. */
  readonly durability?: Durability;
}

/**
 * The audit log in PostgreSQL, one chain shared by every replica. Each batch is one transaction that first takes an
 * advisory lock, so replicas append one after another and each reads the head the last one wrote; a committed batch
 * is in the server before any of its appends resolves, and with `durability: power` synced to its disk
 * (synchronous_commit on; `off` on this pool's connections otherwise, which a gateway killed mid-batch cannot undo).
 */
export class PostgresAuditSink implements AuditSink {
  private readonly decisions = new RecentDecisions();
  private readonly commits = new GroupCommit((entries) => this.transaction((client, { head }) => this.write(client, entries, head)));
  /** What every transaction opens with, after its BEGIN: the log's advisory lock, then the newest row and the anchor. */
  private readonly opening: readonly string[];

  private constructor(
    private readonly pool: Pool,
    private readonly table: string,
    private readonly anchorTable: string,
    /** The advisory lock's key: one per log, so tests in separate schemas do not wait on each other. */
    lockKey: string,
  ) {
    this.opening = [
      `SELECT pg_advisory_xact_lock(hashtext(${escapeLiteral(lockKey)}))`,
      `SELECT seq, hash FROM ${table} ORDER BY seq DESC LIMIT 1`,
      `SELECT seq, prev_hash FROM ${anchorTable}`,
    ];
  }

  static async open(url: string, options: PostgresAuditSinkOptions = {}): Promise<PostgresAuditSink> {
    const session = options.durability === 'power' ? [] : ['SET synchronous_commit = off'];
    const { pool, table } = await openPostgres(url, options.schema, (named) => auditHistory('postgres', named), session);
    return new PostgresAuditSink(pool, table('toolgate_audit'), table('toolgate_audit_anchor'), table('toolgate_audit'));
  }

  append(entry: AuditEntry): Promise<ChainedEntry> {
    return this.commits.append(entry);
  }

  async query(filter: AuditFilter, page: AuditPage): Promise<AuditResult> {
    const params: unknown[] = [];
    const sql = pageQuery(this.table, filter, page, (value) => `$${params.push(value)}`);
    return paged((await this.pool.query<AuditRow>(sql, params)).rows.map(fromRow), page.limit);
  }

  verify(): Promise<VerifyResult> {
    // Under the lock, so no replica prunes or appends between the pages.
    return this.transaction(async (client, { anchor }) => {
      const range = `SELECT * FROM ${this.table} WHERE seq > $1 ORDER BY seq LIMIT ${VERIFY_PAGE}`;
      return verifyPages(anchor, async (after) => (await client.query<AuditRow>(range, [after])).rows.map(fromRow));
    });
  }

  prune(before: number): Promise<number> {
    return this.transaction(async (client, { head }) => {
      const { rows } = await client.query<{ seq: string; prev_hash: string }>(`SELECT seq, prev_hash FROM ${this.table} WHERE time >= $1 ORDER BY seq LIMIT 1`, [before]);
      const kept = rows[0] ? { seq: Number(rows[0].seq), prevHash: rows[0].prev_hash } : head;
      await client.query(
        `INSERT INTO ${this.anchorTable} (id, seq, prev_hash) VALUES (1, $1, $2) ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, prev_hash = excluded.prev_hash`,
        [kept.seq, kept.prevHash],
      );
      return (await client.query(`DELETE FROM ${this.table} WHERE seq < $1`, [kept.seq])).rowCount ?? 0;
    });
  }

  ping(): Promise<void> {
    return pingPostgres(this.pool);
  }

  async close(): Promise<void> {
    await this.commits.exclusive(() => this.pool.end());
  }

  private async write(client: PoolClient, entries: AuditEntry[], head: ChainAnchor): Promise<ChainedEntry[]> {
    // A decision this sink did not write lately is found by the insert itself, in the join.
    const stored = this.decisions.copy(entries, entries.map(storedEntry), () => undefined);
    const chained = chain(head, entries, stored.map((s) => s.text));
    const rows = chained.map((linked, i) => rowValues(linked, stored[i]!));
    const columns = AUDIT_COLUMNS.map((_, j) => rows.map((row) => row[j]));
    const arrays = COLUMN_TYPES.map((type, i) => `$${i + 1}::${type}[]`);
    const values = AUDIT_COLUMNS.map((column) => ((DECISION_COPY_COLUMNS as readonly string[]).includes(column) ? `COALESCE(u.${column}, d.${column})` : `u.${column}`));
    // Prepared once per connection: the statement is the same for every batch.
    await client.query({
      name: 'toolgate_audit_insert',
      text: `INSERT INTO ${this.table} (${AUDIT_COLUMNS}) SELECT ${values} FROM unnest(${arrays}) AS u (${AUDIT_COLUMNS})
        LEFT JOIN ${this.table} d ON u.kind = 'outcome' AND d.request_id = u.request_id AND d.kind = 'decision'`,
      values: columns,
    });
    return chained;
  }

  /**
   * Runs `work` in a transaction holding the log's advisory lock (the chain's head moves only under it), given the
   * log as the lock found it: the anchor, and the link the next entry takes. The BEGIN, the lock and both reads are
   * one round trip.
   */
  private transaction<T>(work: (client: PoolClient, log: { head: ChainAnchor; anchor: ChainAnchor }) => Promise<T>): Promise<T> {
    return inTransaction(
      this.pool,
      (client, [, last, anchored]) => {
        const row = (last!.rows as { seq: string; hash: string }[])[0];
        const first = (anchored!.rows as { seq: string; prev_hash: string }[])[0];
        const anchor = first ? { seq: Number(first.seq), prevHash: first.prev_hash } : GENESIS_ANCHOR;
        return work(client, { head: nextLink(row && { seq: Number(row.seq), hash: row.hash }, anchor), anchor });
      },
      this.opening,
    );
  }
}
