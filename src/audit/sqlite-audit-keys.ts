import type Database from 'better-sqlite3';
import type { SchemaHistory } from '../store/migrations.js';
import { DECISION_COPY_COLUMNS, pageQuery, type DecisionColumns } from './audit-rows.js';
import type { AuditFilter, AuditPage } from './audit-sink.js';

/*
 * The SQLite log's filter keys, indexed in batches (the log's schema version 3). Indexes on the log itself made each
 * batch write a leaf page of every index (eight) to the WAL, and under load a batch holds about eight entries: the
 * indexes were most of what the log cost (bench, issue #20: 182 µs of gateway CPU per realistic call with them,
 * 110 µs with none). So the log is keyed by seq alone, the columns pages are filtered on live in
 * `toolgate_audit_keys` with the indexes, and they are copied there once INDEX_EVERY entries wait, inside the
 * transaction of the batch that reaches that count; each index's pages are written once per copy, not per batch.
 *
 * A filtered page reads the keys and the entries not copied yet (fewer than INDEX_EVERY, read by seq from the log),
 * so no entry is missing from it. The keys are not part of the chain: like an outcome's copied columns, editing one
 * can at most hide an entry from a filtered page, never change what is read back and verified. Gateways sharing the
 * file copy under the write lock, from the highest key copied, so each entry is copied once whoever does it.
 */

const LOG = 'toolgate_audit';
const KEYS = 'toolgate_audit_keys';
/** How many entries wait before they are copied to the keys: large enough that a copy writes few pages per entry. */
export const INDEX_EVERY = 512;
const KEY_COLUMNS = ['seq', 'time', 'kind', 'request_id', ...DECISION_COPY_COLUMNS].join(', ');
const INDEXED = ['request_id', 'grant_id', 'grant_label', 'server', 'tool', 'decision', 'kind'];
/** The seq of the last entry copied to the keys (0 before the first). */
const COPIED_THROUGH = `(SELECT coalesce(max(seq), 0) FROM ${KEYS})`;

/** Copies the entries not copied yet to the keys. */
const COPY = `INSERT INTO ${KEYS} (${KEY_COLUMNS}) SELECT ${KEY_COLUMNS} FROM ${LOG} WHERE seq > ${COPIED_THROUGH}`;

/** Version 3: the keys table from the log's rows, its indexes, and the log's own indexes dropped. */
const KEYS_TABLE = `
  CREATE TABLE IF NOT EXISTS ${KEYS} (seq INTEGER PRIMARY KEY, time INTEGER NOT NULL, kind TEXT NOT NULL, request_id TEXT NOT NULL,
    ${DECISION_COPY_COLUMNS.map((column) => `${column} TEXT`).join(', ')});
  ${COPY};
  ${INDEXED.map((column) => `CREATE INDEX IF NOT EXISTS ${KEYS}_${column} ON ${KEYS} (${column});`).join('\n')}
  ${[...INDEXED, 'uncopied'].map((name) => `DROP INDEX IF EXISTS ${LOG}_${name};`).join('\n')}
`;

/** The log's history in SQLite: the shared one (audit-rows.ts), then the keys. */
export function withKeys(history: SchemaHistory): SchemaHistory {
  return { ...history, migrations: [...history.migrations, { version: 3, sql: KEYS_TABLE }] };
}

/** Whether a filter names a column only the keys index (time and seq are read from the log in seq order). */
function keyed(filter: AuditFilter): boolean {
  return [filter.requestId, filter.grant, filter.server, filter.tool, filter.decision, filter.kind].some((value) => value !== undefined);
}

/** The query for a page: from the log when it is read in seq order anyway, else through the keys and the uncopied entries. */
export function keyedPageQuery(filter: AuditFilter, page: AuditPage, param: (value: unknown) => string): string {
  if (!keyed(filter)) return pageQuery(LOG, filter, page, param);
  const copied = pageQuery(KEYS, filter, page, param, { columns: 'seq' });
  const waiting = pageQuery(LOG, filter, page, param, { columns: 'seq', where: `seq > ${COPIED_THROUGH}` });
  return `SELECT * FROM ${LOG} WHERE seq IN (SELECT seq FROM (${copied}) UNION ALL SELECT seq FROM (${waiting}))
    ORDER BY seq ${page.order === 'desc' ? 'DESC' : 'ASC'} LIMIT ${page.limit + 1}`;
}

export function prepareKeys(db: Database.Database) {
  const copies = DECISION_COPY_COLUMNS.join(', ');
  const decision = `request_id = @id AND kind = 'decision'`;
  return {
    copiedThrough: db.prepare<[], number>(`SELECT ${COPIED_THROUGH}`).pluck(),
    copy: db.prepare(COPY),
    /** A decision's columns, for an outcome whose decision is no longer among the recent ones. */
    decisionOf: db
      .prepare<[{ id: string }], DecisionColumns>(
        `SELECT ${copies} FROM ${LOG} WHERE seq IN (SELECT seq FROM ${KEYS} WHERE ${decision})
         UNION ALL SELECT ${copies} FROM ${LOG} WHERE seq > ${COPIED_THROUGH} AND ${decision} LIMIT 1`,
      )
      .raw(),
    deleteBefore: db.prepare<[number]>(`DELETE FROM ${KEYS} WHERE seq < ?`),
  };
}
