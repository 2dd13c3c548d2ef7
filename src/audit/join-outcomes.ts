import { isEvent, type ApprovalEntry, type ChainedEntry, type DecisionEntry, type OutcomeEntry, type PinEntry, type PolicyEntry } from './audit-record.js';

/** One request as `audit tail` shows it: the decision, and how the call ended if it was forwarded and has ended. */
export interface AuditRequest {
  readonly requestId: string;
  /** The seq of the request's first entry in the page. */
  readonly seq: number;
  /** Missing when the decision is outside the page (or was pruned). */
  readonly decision?: DecisionEntry;
  readonly outcome?: OutcomeEntry;
}

/** Pairs each decision with its outcome, in the order of the page's entries; checkpoints and events (pin, approval, policy) are not requests. */
export function joinOutcomes(entries: readonly ChainedEntry[]): AuditRequest[] {
  const byRequest = new Map<string, { requestId: string; seq: number; decision?: DecisionEntry; outcome?: OutcomeEntry }>();
  for (const { seq, entry } of entries) {
    if (entry.kind === 'checkpoint' || isEvent(entry)) continue;
    const request = byRequest.get(entry.requestId) ?? { requestId: entry.requestId, seq };
    if (entry.kind === 'decision') request.decision = entry;
    else request.outcome = entry;
    byRequest.set(entry.requestId, request);
  }
  return [...byRequest.values()];
}

/** An event of the log as `audit tail --json` and `GET /admin/audit` give it: its seq, and the entry under its kind. */
export type AuditEvent = { seq: number; pin: PinEntry } | { seq: number; approval: ApprovalEntry } | { seq: number; policy: PolicyEntry };

/** The page's pin, approval and policy events, in the order of its entries. */
export function eventsOf(entries: readonly ChainedEntry[]): AuditEvent[] {
  return entries.flatMap(({ seq, entry }): AuditEvent[] =>
    entry.kind === 'pin' ? [{ seq, pin: entry }] : entry.kind === 'approval' ? [{ seq, approval: entry }] : entry.kind === 'policy' ? [{ seq, policy: entry }] : [],
  );
}
