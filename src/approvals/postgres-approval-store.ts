import type { Pool } from 'pg';
import { openPostgres, pingPostgres } from '../store/postgres.js';
import type { ApprovalRequest, ApprovalState } from './approval.js';
import { approvalFromRow, approvalHistory, approvalValues, inOrderAsked, insertApproval, listApprovals, NEWEST_FIRST, replaceApproval, type ApprovalRow, type SqlDialect } from './approval-rows.js';
import { assertLimit, assertReplacement, existsAlready, type ApprovalFilter, type ApprovalStore } from './approval-store.js';

/**
 * Approvals in PostgreSQL, shared by every replica: the one holding the call, the one whose admin API took the
 * decision and the CLI all change the same rows. A compare-and-set is one UPDATE … WHERE version: of two at once,
 * the second waits for the first's row lock, then finds the version moved and changes nothing.
 */
export class PostgresApprovalStore implements ApprovalStore {
  private constructor(
    private readonly pool: Pool,
    private readonly sql: SqlDialect,
  ) {}

  /** Connects to a `postgres://` URL and brings the table up to date; `schema` as for the grant store. */
  static async open(url: string, options: { schema?: string } = {}): Promise<PostgresApprovalStore> {
    const dialect = (table: (name: string) => string): SqlDialect => ({ table: table('toolgate_approvals'), time: 'BIGINT', id: 'TEXT COLLATE "C"', parameter: (n) => `$${n}` });
    const { pool, table } = await openPostgres(url, options.schema, (named) => approvalHistory(dialect(named)));
    return new PostgresApprovalStore(pool, dialect(table));
  }

  async create(request: ApprovalRequest): Promise<void> {
    const { rowCount } = await this.pool.query(insertApproval(this.sql), approvalValues(request));
    if ((rowCount ?? 0) === 0) throw existsAlready(request.id);
  }

  async get(id: string): Promise<ApprovalRequest | undefined> {
    const { rows } = await this.pool.query<ApprovalRow>(`SELECT body FROM ${this.sql.table} WHERE id = $1`, [id]);
    return rows[0] && approvalFromRow(rows[0]);
  }

  async getMany(ids: readonly string[]): Promise<ApprovalRequest[]> {
    if (ids.length === 0) return [];
    const { rows } = await this.pool.query<ApprovalRow>(`SELECT body FROM ${this.sql.table} WHERE id = ANY($1::text[])`, [ids]);
    return inOrderAsked(ids, rows.map(approvalFromRow));
  }

  async list(filter: ApprovalFilter, limit: number): Promise<ApprovalRequest[]> {
    assertLimit(limit);
    const { text, values } = listApprovals(this.sql, filter, limit);
    const { rows } = await this.pool.query<ApprovalRow>(text, values);
    return rows.map(approvalFromRow);
  }

  async findByKey(key: string, states: readonly ApprovalState[]): Promise<ApprovalRequest | undefined> {
    if (states.length === 0) return undefined;
    const { rows } = await this.pool.query<ApprovalRow>(`SELECT body FROM ${this.sql.table} WHERE key = $1 AND state = ANY($2::text[]) ${NEWEST_FIRST} LIMIT 1`, [key, states]);
    return rows[0] && approvalFromRow(rows[0]);
  }

  async replace(expected: ApprovalRequest, next: ApprovalRequest): Promise<boolean> {
    assertReplacement(expected, next);
    const { rowCount } = await this.pool.query(replaceApproval(this.sql), [...approvalValues(next), expected.id, expected.version]);
    return (rowCount ?? 0) > 0;
  }

  ping(): Promise<void> {
    return pingPostgres(this.pool);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
