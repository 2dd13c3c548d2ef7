import { EVENT_KINDS, type AuditDecision, type AuditEntry, type ChainedEntry } from './audit-record.js';
import type { VerifyResult } from './chain.js';

/**
 * Which entries a query returns. The grant, tool, server and decision are the decision's: an outcome entry matches
 * when the decision it completes does, so a filtered page still shows how each call ended. Times are milliseconds,
 * `since` inclusive and `until` exclusive, on each entry's own time.
 */
export interface AuditFilter {
  /** One request's entries: its decision and outcome (`GET /admin/audit/<requestId>`). Never empty: a pin's row keeps '' there. */
  readonly requestId?: string;
  /** A grant id or label. */
  readonly grant?: string;
  readonly tool?: string;
  readonly server?: string;
  readonly decision?: AuditDecision;
  readonly since?: number;
  readonly until?: number;
  /** Only requests (decisions and outcomes), or only one kind of event: pin reviews, approvals, policy changes. */
  readonly kind?: AuditKind;
}

/** What `kind` selects: a request's entries, or one kind of event. */
export const AUDIT_KINDS = ['request', ...EVENT_KINDS] as const;
export type AuditKind = (typeof AUDIT_KINDS)[number];
/** The entry kinds each AuditKind is stored as. */
export const ENTRY_KINDS: Readonly<Record<AuditKind, readonly AuditEntry['kind'][]>> = { request: ['decision', 'outcome'], pin: ['pin'], approval: ['approval'], policy: ['policy'] };

export interface AuditPage {
  readonly limit: number;
  /** Continue past this seq: the `next` of the page before. */
  readonly after?: number;
  /** `desc` gives the newest first, for `audit tail`. */
  readonly order?: 'asc' | 'desc';
}

export interface AuditResult {
  readonly entries: ChainedEntry[];
  /** The `after` of the next page, when there may be one. */
  readonly next?: number;
}

/** Where audit entries go: SQLite (the default), PostgreSQL, JSON lines, or memory for tests. */
export interface AuditSink {
  /**
   * Links the entry into the chain and resolves once it is durable: the gateway forwards an allowed call only after
   * its decision's append resolved (write-ahead). Appends made in one turn of the event loop are written together
   * (group commit), and each resolves when its batch is durable.
   */
  append(entry: AuditEntry): Promise<ChainedEntry>;
  query(filter: AuditFilter, page: AuditPage): Promise<AuditResult>;
  /** Checks the whole chain from its anchor and names the first broken link. */
  verify(): Promise<VerifyResult>;
  /**
   * Deletes the oldest entries, up to the first written at or after `before`, and anchors the chain at the first
   * kept entry, so it still verifies. Resolves to how many entries were deleted.
   */
  prune(before: number): Promise<number>;
  /** Resolves once the store answers a trivial request (for `/readyz`); rejects with why it cannot. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
