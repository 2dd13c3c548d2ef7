/** The audit log as `GET /admin/audit` sends it (src/audit/audit-record.ts, src/audit/join-outcomes.ts), with what the console reads. */

export const DECISIONS = ['allowed', 'denied', 'hidden', 'not_granted', 'rate_limited', 'unavailable', 'pending'] as const;
export type Decision = (typeof DECISIONS)[number];

/** Each decision in words, for a list, a legend or a filter. */
export const DECISION_WORDS: Record<Decision, string> = {
  allowed: 'Allowed',
  denied: 'Denied',
  hidden: 'Hidden',
  not_granted: 'Not granted',
  rate_limited: 'Rate limited',
  unavailable: 'Unavailable',
  pending: 'Waiting for approval',
};

export interface DecisionEntry {
  requestId: string;
  time: number;
  grant: { id: string; label: string };
  client?: { name?: string; version?: string };
  server: string;
  method: string;
  tool?: string;
  decision: Decision;
  reason?: string;
  rule?: string;
  ruleName?: string;
  message?: string;
  policy?: string;
  args?: unknown;
}

export interface OutcomeEntry {
  time: number;
  status: 'ok' | 'tool_error' | 'upstream_error' | 'transport_error' | 'cancelled';
  errorCode?: number;
  gatewayMs: number;
  upstreamMs: number;
}

/** One request: its decision (missing when it is on the next page) and how the call ended. */
export interface AuditRequest {
  requestId: string;
  seq: number;
  decision?: DecisionEntry;
  outcome?: OutcomeEntry;
}

interface EventCommon {
  time: number;
  server: string;
  tool?: string;
  by?: string;
}
export type AuditEvent =
  | { seq: number; pin: EventCommon & { event: string; digest: string; changes?: string[] } }
  | { seq: number; approval: EventCommon & { approval: string; event: string; grant: { label: string }; digest: string; reason?: string } }
  | { seq: number; policy: EventCommon & { event: 'set' | 'replaced' | 'rolled_back'; rule?: string; to?: number; version: string; previous?: string } };

export interface AuditPage {
  requests: AuditRequest[];
  events: AuditEvent[];
  next?: number;
}

/** An entry's link in the hash chain, as `GET /admin/audit/<requestId>` gives it. */
export interface ChainLink {
  seq: number;
  kind: string;
  prevHash: string;
  hash: string;
}
