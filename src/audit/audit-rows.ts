import type { AuditEntry, ChainedEntry } from './audit-record.js';
import { canonicalSplit } from './chain.js';
import type { AuditFilter, AuditPage } from './audit-sink.js';
import { filtersDecision } from './audit-filter.js';

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
/** A checkpoint or pin event belongs to no request; its request_id column (NOT NULL) is empty. */
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
  if (entry.kind === 'pin') {
    const { whole, rest } = canonicalSplit(entry, PIN_COLUMNS);
    return { text: whole, values: [entry.time, entry.kind, NO_REQUEST, null, null, entry.server, entry.tool, null, rest] };
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
  // A request id set on a checkpoint's or pin event's row is read into the entry, so that edit breaks the chain like any other.
  const requestless = row.kind === 'checkpoint' || row.kind === 'pin' || row.kind === 'approval';
  const common = { kind: row.kind, ...((!requestless || row.request_id !== NO_REQUEST) && { requestId: row.request_id }), time };
  const entry =
    row.kind === 'decision'
      ? { ...common, grant: { id: row.grant_id, label: row.grant_label }, server: row.server, ...(row.tool === null ? {} : { tool: row.tool }), decision: row.decision, ...body }
      : row.kind === 'pin'
        ? { ...common, server: row.server, tool: row.tool, ...body }
        : row.kind === 'approval'
          ? { ...common, grant: { id: row.grant_id, label: row.grant_label }, server: row.server, tool: row.tool, ...body }
          : { ...common, ...body };
  return { seq: Number(row.seq), entry: entry as AuditEntry, prevHash: row.prev_hash, hash: row.hash };
}

/**
 * The query for a page, for either SQL dialect: `param` takes a value and returns its placeholder. Filters on the
 * decision join each row to its request's decision row (itself, for a decision), so outcomes come with them.
 */
export function pageQuery(table: string, filter: AuditFilter, page: AuditPage, param: (value: unknown) => string): string {
  const where: string[] = [];
  const desc = page.order === 'desc';
  if (page.after !== undefined) where.push(`a.seq ${desc ? '<' : '>'} ${param(page.after)}`);
  if (filter.since !== undefined) where.push(`a.time >= ${param(filter.since)}`);
  if (filter.until !== undefined) where.push(`a.time < ${param(filter.until)}`);
  if (filter.requestId !== undefined) where.push(`a.request_id = ${param(filter.requestId)}`);
  // Pin and approval events are their own subjects: they match on their own columns (a pin has no grant), and
  // never a decision filter.
  const own = (column: string) => `COALESCE(d.${column}, CASE WHEN a.kind IN ('pin', 'approval') THEN a.${column} END)`;
  if (filter.grant !== undefined) where.push(`(${own('grant_id')} = ${param(filter.grant)} OR ${own('grant_label')} = ${param(filter.grant)})`);
  if (filter.tool !== undefined) where.push(`${own('tool')} = ${param(filter.tool)}`);
  if (filter.server !== undefined) where.push(`${own('server')} = ${param(filter.server)}`);
  if (filter.decision !== undefined) where.push(`d.decision = ${param(filter.decision)}`);
  const join = filtersDecision(filter) ? ` LEFT JOIN ${table} d ON d.request_id = a.request_id AND d.kind = 'decision'` : '';
  const conditions = where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '';
  return `SELECT a.* FROM ${table} a${join}${conditions} ORDER BY a.seq ${desc ? 'DESC' : 'ASC'} LIMIT ${param(page.limit + 1)}`;
}

/** How many entries a verify reads at a time. */
export const VERIFY_PAGE = 10_000;

/**
 * The indexes: request_id for pairing outcomes with their decisions, and the grant (id or label) for "what did this
 * grant do", the question asked most. Other filters scan backwards by seq, which is quick for recent entries. Each
 * index costs every append. bench/audit.ts (a decision and an outcome per call, 1,000 grants), five runs on two
 * shared cores, with random (v4) request ids: all seven filter columns indexed, 23,700–29,100 records/s with 64 calls
 * in flight and 112–144 µs an append awaited alone; these three, 26,400–31,200/s and 77–87 µs; none,
 * 83,700–105,300/s and 29–39 µs. Most of it was request_id: random ids spread its inserts over the whole index, a
 * page written per entry. Request ids are time-ordered (request-id.ts), so it grows at its end: 49,600–53,900/s and
 * 66–72 µs with these three.
 */
export function auditIndexes(table: string, prefix: string): string {
  return ['request_id', 'grant_id', 'grant_label']
    .map((column) => `CREATE INDEX IF NOT EXISTS ${prefix}_${column} ON ${table} (${column});`)
    .join('\n');
}
