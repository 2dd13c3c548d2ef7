import type Database from 'better-sqlite3';
import type { Durability } from '../store/durability.js';
import { closeSqlite, openSqlite, pingSqlite } from '../store/sqlite.js';
import type { AuditEntry, ChainedEntry } from './audit-record.js';
import { AUDIT_COLUMNS, auditHistory, fromRow, rowValues, storedEntry, VERIFY_PAGE, type AuditRow } from './audit-rows.js';
import { paged } from './audit-filter.js';
import type { AuditFilter, AuditPage, AuditResult, AuditSink } from './audit-sink.js';
import { chain, GENESIS_ANCHOR, nextLink, verifyPages, type ChainAnchor, type VerifyResult } from './chain.js';
import { GroupCommit } from './group-commit.js';
import { RecentDecisions } from './recent-decisions.js';
import { INDEX_EVERY, keyedPageQuery, prepareKeys, withKeys } from './sqlite-audit-keys.js';

function prepare(db: Database.Database) {
  return {
    keys: prepareKeys(db),
    last: db.prepare<[], { seq: number; hash: string }>('SELECT seq, hash FROM toolgate_audit ORDER BY seq DESC LIMIT 1'),
    anchor: db.prepare<[], { seq: number; prev_hash: string }>('SELECT seq, prev_hash FROM toolgate_audit_anchor'),
    insert: db.prepare<[unknown[]]>(`INSERT INTO toolgate_audit (${AUDIT_COLUMNS}) VALUES (${AUDIT_COLUMNS.map(() => '?')})`),
    range: db.prepare<[number, number], AuditRow>('SELECT * FROM toolgate_audit WHERE seq > ? ORDER BY seq LIMIT ?'),
    firstKept: db.prepare<[number], { seq: number; prev_hash: string }>('SELECT seq, prev_hash FROM toolgate_audit WHERE time >= ? ORDER BY seq LIMIT 1'),
    deleteBefore: db.prepare<[number]>('DELETE FROM toolgate_audit WHERE seq < ?'),
    setAnchor: db.prepare<[number, string]>('INSERT INTO toolgate_audit_anchor (id, seq, prev_hash) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, prev_hash = excluded.prev_hash'),
  };
}

/**
 * The audit log in SQLite, by default in the file that holds grants and counters. WAL with synchronous=NORMAL: a
 * committed batch survives the process being killed (kill -9), which is what write-ahead needs; an OS crash or power
 * loss may lose the last batches before a checkpoint, never corrupt the file. With `durability: power`, FULL: each
 * batch's commit is synced. Each batch is one IMMEDIATE
 * transaction that reads the chain's head inside it, so gateway processes sharing the file chain one log. The columns
 * pages are filtered on are indexed in batches of their own (sqlite-audit-keys.ts).
 */
export class SqliteAuditSink implements AuditSink {
  private readonly db: Database.Database;
  private readonly sql: ReturnType<typeof prepare>;
  private readonly commits: GroupCommit;
  private readonly decisions = new RecentDecisions();

  constructor(file: string, durability: Durability = 'process') {
    this.db = openSqlite(file, withKeys(auditHistory('sqlite')), durability);
    this.sql = prepare(this.db);
    const { keys } = this.sql;
    const write = this.db.transaction((entries: AuditEntry[]) => {
      const stored = this.decisions.copy(entries, entries.map(storedEntry), (id) => keys.decisionOf.get({ id }));
      const chained = chain(nextLink(this.sql.last.get(), this.anchor()), entries, stored.map((s) => s.text));
      chained.forEach((linked, i) => this.sql.insert.run(rowValues(linked, stored[i]!)));
      if (chained.at(-1)!.seq - keys.copiedThrough.get()! >= INDEX_EVERY) keys.copy.run();
      return chained;
    });
    this.commits = new GroupCommit((entries) => write.immediate(entries));
  }

  append(entry: AuditEntry): Promise<ChainedEntry> {
    return this.commits.append(entry);
  }

  async query(filter: AuditFilter, page: AuditPage): Promise<AuditResult> {
    const params: unknown[] = [];
    const sql = keyedPageQuery(filter, page, (value) => (params.push(value), '?'));
    const rows = this.db.prepare<unknown[], AuditRow>(sql).all(...params);
    return paged(rows.map(fromRow), page.limit);
  }

  verify(): Promise<VerifyResult> {
    // One read transaction, so a prune by another process meanwhile cannot move the anchor under the check; between
    // batches, so this connection's own writes wait for it.
    return this.commits.exclusive(async () => {
      this.db.exec('BEGIN');
      try {
        return await verifyPages(this.anchor(), (after) => this.sql.range.all(after, VERIFY_PAGE).map(fromRow));
      } finally {
        this.db.exec('COMMIT');
      }
    });
  }

  prune(before: number): Promise<number> {
    const prune = this.db.transaction(() => {
      const first = this.sql.firstKept.get(before);
      const kept = first ? { seq: first.seq, prevHash: first.prev_hash } : nextLink(this.sql.last.get(), this.anchor());
      this.sql.setAnchor.run(kept.seq, kept.prevHash);
      this.sql.keys.deleteBefore.run(kept.seq);
      return this.sql.deleteBefore.run(kept.seq).changes;
    });
    return this.commits.exclusive(() => prune.immediate());
  }

  async ping(): Promise<void> {
    pingSqlite(this.db);
  }

  async close(): Promise<void> {
    await this.commits.exclusive(() => closeSqlite(this.db));
  }

  private anchor(): ChainAnchor {
    const row = this.sql.anchor.get();
    return row ? { seq: row.seq, prevHash: row.prev_hash } : GENESIS_ANCHOR;
  }
}
