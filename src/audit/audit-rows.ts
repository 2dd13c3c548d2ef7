import { isEvent, type AuditEntry, type ChainedEntry } from './audit-record.js';
import { canonicalSplit } from './chain.js';
import { ENTRY_KINDS, type AuditFilter, type AuditPage } from './audit-sink.js';
import type { SchemaHistory } from '../store/migrations.js';

/**
 * An entry as the SQL sinks store it: the fields queries filter on in columns, the rest as JSON in `body`. The entry
 * is read back from both, so an edit to a column breaks the chain just as an edit to the body does.
 */
export interface AuditRow {
  seq: number | string;
  time: number | string;
  kind: AuditEntry['kind'];
  request_id: string;
  grant_id: string | null;
  grant_label: string | null;
  server: string | null;
  tool: string | null;
  decision: string | null;
  body: string;
  prev_hash: string;
  hash: string;
}

export const AUDIT_COLUMNS = ['seq', 'time', 'kind', 'request_id', 'grant_id', 'grant_label', 'server', 'tool', 'decision', 'body', 'prev_hash', 'hash'] as const;

/** The fields of each kind of entry kept in columns; the others are its body. */
const CHECKPOINT_COLUMNS: ReadonlySet<string> = new Set(['kind', 'time']);
const OUTCOME_COLUMNS: ReadonlySet<string> = new Set([...CHECKPOINT_COLUMNS, 'requestId']);
const DECISION_COLUMNS: ReadonlySet<string> = new Set([...OUTCOME_COLUMNS, 'grant', 'server', 'tool', 'decision']);
const PIN_COLUMNS: ReadonlySet<string> = new Set([...CHECKPOINT_COLUMNS, 'server', 'tool']);
const APPROVAL_COLUMNS: ReadonlySet<string> = new Set([...PIN_COLUMNS, 'grant']);
/** A checkpoint or an event belongs to no request; its request_id column (NOT NULL) is empty. */
const NO_REQUEST = '';

/** An entry ready to be stored: its canonical JSON (what its link hashes) and its columns but seq and the hashes. */
export interface StoredEntry {
  readonly text: string;
  /** time, kind, request_id, grant_id, grant_label, server, tool, decision, body (AUDIT_COLUMNS without the link). */
  readonly values: readonly (string | number | null)[];
}

/** Splits an entry into its columns and body, serialising it once for both the body and the hash. */
export function storedEntry(entry: AuditEntry): StoredEntry {
  if (entry.kind === 'checkpoint') {
    const { whole, rest } = canonicalSplit(entry, CHECKPOINT_COLUMNS);
    return { text: whole, values: [entry.time, entry.kind, NO_REQUEST, null, null, null, null, null, rest] };
  }
  if (entry.kind === 'approval') {
    const { whole, rest } = canonicalSplit(entry, APPROVAL_COLUMNS);
    return { text: whole, values: [entry.time, entry.kind, NO_REQUEST, entry.grant.id, entry.grant.label, entry.server, entry.tool, null, rest] };
  }
  if (entry.kind === 'pin' || entry.kind === 'policy') {
    const { whole, rest } = canonicalSplit(entry, PIN_COLUMNS);
    return { text: whole, values: [entry.time, entry.kind, NO_REQUEST, null, null, entry.server, entry.tool ?? null, null, rest] };
  }
  if (entry.kind === 'outcome') {
    const { whole, rest } = canonicalSplit(entry, OUTCOME_COLUMNS);
    return { text: whole, values: [entry.time, entry.kind, entry.requestId, null, null, null, null, null, rest] };
  }
  const { whole, rest } = canonicalSplit(entry, DECISION_COLUMNS);
  return { text: whole, values: [entry.time, entry.kind, entry.requestId, entry.grant.id, entry.grant.label, entry.server, entry.tool ?? null, entry.decision, rest] };
}

/** A linked entry's row, in AUDIT_COLUMNS order. */
export function rowValues({ seq, prevHash, hash }: ChainedEntry, stored: StoredEntry): (string | number | null)[] {
  return [seq, ...stored.values, prevHash, hash];
}

export function fromRow(row: AuditRow): ChainedEntry {
  const time = Number(row.time);
  const body = JSON.parse(row.body) as object;
  // A request id set on a checkpoint's or an event's row is read into the entry, so that edit breaks the chain like any other.
  const requestless = row.kind === 'checkpoint' || isEvent(row);
  const common = { kind: row.kind, ...((!requestless || row.request_id !== NO_REQUEST) && { requestId: row.request_id }), time };
  const entry =
    row.kind === 'decision'
      ? { ...common, grant: { id: row.grant_id, label: row.grant_label }, server: row.server, ...(row.tool === null ? {} : { tool: row.tool }), decision: row.decision, ...body }
      : row.kind === 'pin' || row.kind === 'policy'
        ? { ...common, server: row.server, ...(row.tool === null ? {} : { tool: row.tool }), ...body }
        : row.kind === 'approval'
          ? { ...common, grant: { id: row.grant_id, label: row.grant_label }, server: row.server, tool: row.tool, ...body }
          : { ...common, ...body };
  return { seq: Number(row.seq), entry: entry as AuditEntry, prevHash: row.prev_hash, hash: row.hash };
}

/**
 * The columns an outcome's row copies from its decision's row (grant id and label, server, tool, decision: values
 * 3 to 7 of a StoredEntry), so that a filter finds outcomes by an index on their own row rather than by a join to
 * every decision. They are not part of the outcome: fromRow leaves them out, so what is read back and verified is the
 * entry as hashed, and editing a copy can at most hide an outcome from a filtered page, never change one.
 */
export type DecisionColumns = readonly (string | number | null)[];
const COPIED = { from: 3, to: 8 } as const;
export const DECISION_COPY_COLUMNS = ['grant_id', 'grant_label', 'server', 'tool', 'decision'] as const;

export function decisionColumns(stored: StoredEntry): DecisionColumns {
  return stored.values.slice(COPIED.from, COPIED.to);
}

/** An outcome's stored form with its decision's columns copied in (as it was when its decision is unknown). */
export function withDecisionColumns(stored: StoredEntry, columns: DecisionColumns | undefined): StoredEntry {
  if (!columns) return stored;
  return { ...stored, values: [...stored.values.slice(0, COPIED.from), ...columns, ...stored.values.slice(COPIED.to)] };
}

/** Fills the copies of outcome rows written before outcomes carried them. */
function backfillDecisionColumns(table: string): string {
  const copies = DECISION_COPY_COLUMNS.join(', ');
  return `UPDATE ${table} SET (${copies}) = (SELECT ${copies} FROM ${table} d WHERE d.request_id = ${table}.request_id AND d.kind = 'decision')
    WHERE kind = 'outcome' AND server IS NULL AND EXISTS (SELECT 1 FROM ${table} d WHERE d.request_id = ${table}.request_id AND d.kind = 'decision')`;
}

/**
 * The query for a page, for either SQL dialect: `param` takes a value and returns its placeholder. Every filter is on
 * the row's own columns (an outcome's hold its decision's copies; a pin or approval event's are its own, and it has no
 * decision), so an index on the column, ordered by seq within each value, serves the page in keyset order.
 */
export function pageQuery(table: string, filter: AuditFilter, page: AuditPage, param: (value: unknown) => string, shape: PageShape = {}): string {
  const columns = shape.columns ?? '*';
  const order = `ORDER BY seq ${page.order === 'desc' ? 'DESC' : 'ASC'} LIMIT ${page.limit + 1}`;
  const select = (grantColumn?: 'grant_id' | 'grant_label') => {
    const where = conditions(filter, page, param);
    if (shape.where) where.push(shape.where);
    if (grantColumn) where.push(`${grantColumn} = ${param(filter.grant)}`);
    return `SELECT ${columns} FROM ${table}${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ${order}`;
  };
  if (filter.grant === undefined) return select();
  // A grant is named by id or label. An OR of the two would read every row of the grant and sort them; each side
  // read in seq order from its own index, limited, then merged, reads one page of each.
  return `SELECT ${columns} FROM (SELECT ${columns} FROM (${select('grant_id')}) by_id UNION SELECT ${columns} FROM (${select('grant_label')}) by_label) grant_rows ${order}`;
}

/** What a page query selects (every column by default) and a condition of its own beside the filter's. */
export interface PageShape {
  columns?: string;
  where?: string;
}

/** The page's conditions but the grant's, each on one column. */
function conditions(filter: AuditFilter, page: AuditPage, param: (value: unknown) => string): string[] {
  const where: string[] = [];
  if (page.after !== undefined) where.push(`seq ${page.order === 'desc' ? '<' : '>'} ${param(page.after)}`);
  if (filter.since !== undefined) where.push(`time >= ${param(filter.since)}`);
  if (filter.until !== undefined) where.push(`time < ${param(filter.until)}`);
  if (filter.requestId !== undefined) where.push(`request_id = ${param(filter.requestId)}`);
  if (filter.tool !== undefined) where.push(`tool = ${param(filter.tool)}`);
  if (filter.server !== undefined) where.push(`server = ${param(filter.server)}`);
  if (filter.decision !== undefined) where.push(`decision = ${param(filter.decision)}`);
  if (filter.kind !== undefined) where.push(`kind IN (${ENTRY_KINDS[filter.kind].map(param).join(', ')})`);
  return where;
}

/** How many entries a verify reads at a time. */
export const VERIFY_PAGE = 10_000;

/**
 * The indexes (on the log in PostgreSQL; SQLite moves them to a keys table, sqlite-audit-keys.ts): request_id for
 * pairing outcomes with their decisions, and one per filter column but time, each ordered
 * by seq within a value (in SQLite every index ends with the rowid, which seq is; in PostgreSQL seq is put in), so a
 * filtered page is read from the index in keyset order however deep it is. Each index costs every append; the
 * server, tool and decision indexes showed no change in bench/audit.ts, while the copies on outcome rows cost about a
 * quarter of the append rate (docs/architecture.md has the figures). Time has none: a time filter is read in seq
 * order, which is quick for recent entries and reads back as far as the window starts. Request ids are time-ordered (request-id.ts), so that index grows at its end; the others have few
 * values, each growing at its end. The kind index serves `kind=policy` (or pin, approval): those events are few
 * among the requests, so without it a page of them would read back through the whole log. The partial index finds outcome rows still without their decision's copies, so
 * the backfill reads only those.
 */
function auditIndexes(table: string, prefix: string, dialect: 'sqlite' | 'postgres', qualified: (name: string) => string): string {
  const filters = ['grant_id', 'grant_label', 'server', 'tool', 'decision', 'kind'];
  // PostgreSQL's indexes on the grant before seq was put in are replaced by those with it, under another name.
  const named = (column: string) => (dialect === 'sqlite' ? `${prefix}_${column} ON ${table} (${column})` : `${prefix}_${column}_seq ON ${table} (${column}, seq)`);
  return [
    `CREATE INDEX IF NOT EXISTS ${prefix}_request_id ON ${table} (request_id);`,
    ...filters.map((column) => `CREATE INDEX IF NOT EXISTS ${named(column)};`),
    ...(dialect === 'postgres' ? ['grant_id', 'grant_label'].map((column) => `DROP INDEX IF EXISTS ${qualified(`${prefix}_${column}`)};`) : []),
    `CREATE INDEX IF NOT EXISTS ${prefix}_uncopied ON ${table} (seq) WHERE kind = 'outcome' AND server IS NULL;`,
  ].join('\n');
}

/**
 * The log's tables through time (store/migrations.ts), in either dialect; `table` names one in the log's schema.
 * Version 1: the log, the anchor retention moves, and the indexes on request and grant. Version 2: every page filter
 * read from an index in seq order, and the outcome rows written before they carried their decision's copies filled.
 */
export function auditHistory(dialect: 'sqlite' | 'postgres', table: (name: string) => string = (name) => name): SchemaHistory {
  const log = table('toolgate_audit');
  // SQLite's INTEGER PRIMARY KEY is the rowid, which every index ends with; its INTEGER affinity keeps a fraction.
  const [seq, time] = dialect === 'sqlite' ? ['INTEGER', 'INTEGER'] : ['BIGINT', 'DOUBLE PRECISION'];
  const v1 = `
    CREATE TABLE IF NOT EXISTS ${log} (
      seq ${seq} PRIMARY KEY,
      time ${time} NOT NULL,
      kind TEXT NOT NULL,
      request_id TEXT NOT NULL,
      grant_id TEXT,
      grant_label TEXT,
      server TEXT,
      tool TEXT,
      decision TEXT,
      body TEXT NOT NULL,
      prev_hash TEXT NOT NULL,
      hash TEXT NOT NULL
    );
    ${['request_id', 'grant_id', 'grant_label'].map((column) => `CREATE INDEX IF NOT EXISTS toolgate_audit_${column} ON ${log} (${column});`).join('\n')}
    CREATE TABLE IF NOT EXISTS ${table('toolgate_audit_anchor')} (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      seq ${seq} NOT NULL,
      prev_hash TEXT NOT NULL
    );
  `;
  return {
    part: 'audit',
    migrations: [
      { version: 1, sql: v1 },
      { version: 2, sql: `${auditIndexes(log, 'toolgate_audit', dialect, table)}\n${backfillDecisionColumns(log)}` },
    ],
  };
}
