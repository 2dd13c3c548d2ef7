import type Database from 'better-sqlite3';
import { closeSqlite, openSqlite, pingSqlite } from '../store/sqlite.js';
import type { ApprovalRequest, ApprovalState } from './approval.js';
import { approvalFromRow, approvalHistory, approvalValues, inOrderAsked, insertApproval, listApprovals, NEWEST_FIRST, replaceApproval, type ApprovalRow, type SqlDialect } from './approval-rows.js';
import { assertLimit, assertReplacement, existsAlready, type ApprovalFilter, type ApprovalStore } from './approval-store.js';

const SQLITE: SqlDialect = { table: 'toolgate_approvals', time: 'INTEGER', id: 'TEXT', parameter: () => '?' };

function prepare(db: Database.Database) {
  return {
    create: db.prepare<unknown[]>(insertApproval(SQLITE)),
    get: db.prepare<[string], ApprovalRow>('SELECT body FROM toolgate_approvals WHERE id = ?'),
    // A list of ids or states as one JSON parameter: one statement whatever its length, and no cap on parameters.
    getMany: db.prepare<[string], ApprovalRow>('SELECT body FROM toolgate_approvals WHERE id IN (SELECT value FROM json_each(?))'),
    findByKey: db.prepare<[string, string], ApprovalRow>(`SELECT body FROM toolgate_approvals WHERE key = ? AND state IN (SELECT value FROM json_each(?)) ${NEWEST_FIRST} LIMIT 1`),
    replace: db.prepare<unknown[]>(replaceApproval(SQLITE)),
  };
}

/**
 * Approvals in the SQLite file the other parts use: the CLI and every gateway process on the machine decide on the
 * same requests. SQLite runs one writer at a time, so a compare-and-set is one UPDATE.
 */
export class SqliteApprovalStore implements ApprovalStore {
  private readonly db: Database.Database;
  private readonly sql: ReturnType<typeof prepare>;

  constructor(file: string) {
    this.db = openSqlite(file, approvalHistory(SQLITE));
    this.sql = prepare(this.db);
  }

  async create(request: ApprovalRequest): Promise<void> {
    if (this.sql.create.run(...approvalValues(request)).changes === 0) throw existsAlready(request.id);
  }

  async get(id: string): Promise<ApprovalRequest | undefined> {
    const row = this.sql.get.get(id);
    return row && approvalFromRow(row);
  }

  async getMany(ids: readonly string[]): Promise<ApprovalRequest[]> {
    if (ids.length === 0) return [];
    return inOrderAsked(ids, this.sql.getMany.all(JSON.stringify(ids)).map(approvalFromRow));
  }

  async list(filter: ApprovalFilter, limit: number): Promise<ApprovalRequest[]> {
    assertLimit(limit);
    // Prepared for each listing: the CLI and admin list, the data path does not, and each filter has its own plan.
    const { text, values } = listApprovals(SQLITE, filter, limit);
    return this.db.prepare<unknown[], ApprovalRow>(text).all(...values).map(approvalFromRow);
  }

  async findByKey(key: string, states: readonly ApprovalState[]): Promise<ApprovalRequest | undefined> {
    if (states.length === 0) return undefined;
    const row = this.sql.findByKey.get(key, JSON.stringify(states));
    return row && approvalFromRow(row);
  }

  async replace(expected: ApprovalRequest, next: ApprovalRequest): Promise<boolean> {
    assertReplacement(expected, next);
    return this.sql.replace.run(...approvalValues(next), expected.id, expected.version).changes > 0;
  }

  async ping(): Promise<void> {
    pingSqlite(this.db);
  }

  async close(): Promise<void> {
    closeSqlite(this.db);
  }
}
