import { isEvent, type DecisionEntry, type ChainedEntry, type EventEntry } from './audit-record.js';
import { ENTRY_KINDS, type AuditFilter, type AuditPage, type AuditResult } from './audit-sink.js';

/**
 * Whether an entry passes the filter; `decision` is the entry's own decision, or the one its outcome completes. A
 * checkpoint has none, so only a filter on time selects it; an event (pin, approval, policy change) is matched on its
 * own server, tool (and an approval's grant), never by a decision.
 */
export function matches(filter: AuditFilter, { entry }: ChainedEntry, decision: DecisionEntry | EventEntry | undefined): boolean {
  if (filter.since !== undefined && entry.time < filter.since) return false;
  if (filter.until !== undefined && entry.time >= filter.until) return false;
  if (filter.requestId !== undefined && !('requestId' in entry && entry.requestId === filter.requestId)) return false;
  if (filter.kind !== undefined && !ENTRY_KINDS[filter.kind].includes(entry.kind)) return false;
  if (!filtersDecision(filter)) return true;
  if (!decision) return false;
  if (isEvent(decision)) {
    const grant = decision.kind === 'approval' ? decision.grant : undefined;
    return (
      filter.decision === undefined &&
      (filter.grant === undefined || grant?.id === filter.grant || grant?.label === filter.grant) &&
      (filter.tool ?? decision.tool) === decision.tool &&
      (filter.server ?? decision.server) === decision.server
    );
  }
  return (
    (filter.grant === undefined || decision.grant.id === filter.grant || decision.grant.label === filter.grant) &&
    (filter.tool === undefined || decision.tool === filter.tool) &&
    (filter.server === undefined || decision.server === filter.server) &&
    (filter.decision === undefined || decision.decision === filter.decision)
  );
}

export function filtersDecision(filter: AuditFilter): boolean {
  return filter.grant !== undefined || filter.tool !== undefined || filter.server !== undefined || filter.decision !== undefined;
}

/**
 * One page of a log held in seq order (memory, JSON lines), with the semantics the SQL sinks give in SQL: the
 * filter, then `after` and `order`, then `limit`.
 */
export function pageOf(log: Iterable<ChainedEntry>, filter: AuditFilter, page: AuditPage): AuditResult {
  const decisions = new Map<string, DecisionEntry>();
  const found: ChainedEntry[] = [];
  for (const chained of log) {
    if (chained.entry.kind === 'decision') decisions.set(chained.entry.requestId, chained.entry);
    const { entry } = chained;
    const decision = isEvent(entry) ? entry : entry.kind === 'checkpoint' ? undefined : decisions.get(entry.requestId);
    const past = page.after === undefined || (page.order === 'desc' ? chained.seq < page.after : chained.seq > page.after);
    if (past && matches(filter, chained, decision)) found.push(chained);
  }
  if (page.order === 'desc') found.reverse();
  return paged(found.slice(0, page.limit + 1), page.limit);
}

/** A page from `limit + 1` rows: the extra row only says that there is a next page. */
export function paged(rows: ChainedEntry[], limit: number): AuditResult {
  if (rows.length <= limit) return { entries: rows };
  const entries = rows.slice(0, limit);
  return { entries, next: entries.at(-1)!.seq };
}
