import type { AuditEntry } from './audit-record.js';
import { decisionColumns, withDecisionColumns, type DecisionColumns, type StoredEntry } from './audit-rows.js';

/** Enough for every call in flight on a busy gateway; a call that outlasts it is looked up instead. */
const KEPT = 4_096;

/**
 * The filter columns of the decisions a SQL sink wrote last, by request id, so each outcome's row gets its decision's
 * copies (audit-rows.ts) without a read of the table inside the write transaction. A forwarded call's outcome follows
 * its decision through the same sink, so it is nearly always here; a refusal has no outcome, and the oldest entries
 * make room.
 */
export class RecentDecisions {
  private readonly columns = new Map<string, DecisionColumns>();

  /** A batch's rows, each outcome's with its decision's columns: from this batch, a recent one, or `stored`. */
  copy(entries: readonly AuditEntry[], rows: readonly StoredEntry[], stored: (requestId: string) => DecisionColumns | undefined): StoredEntry[] {
    return rows.map((row, i) => {
      const entry = entries[i]!;
      if (entry.kind === 'decision') this.remember(entry.requestId, decisionColumns(row));
      if (entry.kind !== 'outcome') return row;
      const columns = this.columns.get(entry.requestId);
      this.columns.delete(entry.requestId);
      return withDecisionColumns(row, columns ?? stored(entry.requestId));
    });
  }

  private remember(requestId: string, columns: DecisionColumns): void {
    this.columns.set(requestId, columns);
    if (this.columns.size > KEPT) this.columns.delete(this.columns.keys().next().value!);
  }
}
