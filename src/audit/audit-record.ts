/**
 * What the audit log holds: one entry per decision, written before an allowed call is forwarded, and one per
 * outcome, appended when the call ends; one per event in a tool's pinned definition, an approval or a policy change; with a signing key, a signed checkpoint of the chain's head each minute it
 * moved and at shutdown. All are links of one hash chain, so none can be edited unseen.
 */

/** What the gateway decided about a request. */
export const AUDIT_DECISIONS = ['allowed', 'denied', 'hidden', 'not_granted', 'rate_limited', 'unavailable', 'pending'] as const;
export type AuditDecision = (typeof AUDIT_DECISIONS)[number];

export interface DecisionEntry {
  readonly kind: 'decision';
  /** The gateway's id for this request (a UUID): the outcome entry names it too. */
  readonly requestId: string;
  readonly time: number;
  readonly grant: { readonly id: string; readonly label: string };
  /** The legacy session, if the request came in one. */
  readonly session?: string;
  readonly client?: { readonly name?: string; readonly version?: string };
  readonly server: string;
  readonly method: string;
  /** The tool or prompt name as the upstream knows it, or the resource URI. */
  readonly tool?: string;
  readonly decision: AuditDecision;
  /** The verdict's reason (`default`, `condition`, `rate_limited`, `store_unavailable`, …), for denials. */
  readonly reason?: string;
  /** The rule that decided: a JSON pointer into the policy, or `(default deny)`, `(hidden)`, `(no policy)`, … */
  readonly rule?: string;
  /** The name the policy gives that rule (a converted Intercept rule's `name`), beside the pointer. */
  readonly ruleName?: string;
  readonly message?: string;
  /** The version of the policy that decided. */
  readonly policy?: string;
  /** The arguments as the policy's audit mode allows: top-level keys by default, never values unless asked. */
  readonly args?: unknown;
}

/** How a forwarded call ended. */
export type AuditStatus = 'ok' | 'tool_error' | 'upstream_error' | 'transport_error' | 'cancelled';

export interface OutcomeEntry {
  readonly kind: 'outcome';
  readonly requestId: string;
  readonly time: number;
  readonly status: AuditStatus;
  /** The JSON-RPC error code, for `upstream_error`. */
  readonly errorCode?: number;
  /** Time in the gateway (decision, counting, writing) and waiting for the upstream, in milliseconds. */
  readonly gatewayMs: number;
  readonly upstreamMs: number;
}

/**
 * A signed statement that the chain's head was `head` at `time`: the chain cannot be rewritten up to that entry
 * without the signing key, even by someone who recomputes every hash after an edit (audit/checkpoint.ts).
 */
export interface CheckpointEntry {
  readonly kind: 'checkpoint';
  readonly time: number;
  /** The newest entry the signing gateway had written. */
  readonly head: { readonly seq: number; readonly hash: string };
  /** The signing key's id (audit/signing-keys.ts): which public key verifies `signature`. */
  readonly key: string;
  /** Ed25519 over the checkpoint's statement, base64url. */
  readonly signature: string;
}

/**
 * What became of a tool's pinned definition: pinned when first seen, held when a server presented a changed one,
 * accepted when `pinning: review` let a wording change through, approved by an operator.
 */
export interface PinEntry {
  readonly kind: 'pin';
  readonly time: number;
  readonly server: string;
  readonly tool: string;
  readonly event: 'pinned' | 'held' | 'accepted' | 'approved';
  /** The digest of the definition the event is about (catalog/pinned-definition.ts). */
  readonly digest: string;
  /** The digest of the definition pinned before, for a change. */
  readonly previous?: string;
  /** What the change introduces, one line each. */
  readonly changes?: readonly string[];
  /** Who approved: `cli`, the admin's label over the admin API, or `review` for a change `pinning: review` accepted. */
  readonly by?: string;
}

/** What became of a request for a person's approval of one call (approvals/approval.ts). */
export interface ApprovalEntry {
  readonly kind: 'approval';
  readonly time: number;
  /** The approval request's id (`ap_…`). */
  readonly approval: string;
  readonly event: 'requested' | 'approved' | 'denied' | 'expired' | 'cancelled' | 'forwarded' | 'completed' | 'ambiguous';
  readonly grant: { readonly id: string; readonly label: string };
  readonly server: string;
  readonly tool: string;
  /** The digest of the call's arguments the approval is bound to. */
  readonly digest: string;
  /** Who decided, and the reason they gave. */
  readonly by?: string;
  readonly reason?: string;
}

/** A change to a server's policy file through the admin API or `toolgate policy set|rollback` (policy/policy-writer.ts). */
export interface PolicyEntry {
  readonly kind: 'policy';
  readonly time: number;
  readonly server: string;
  /** The tool whose rule was set; absent when the whole document was replaced or rolled back. */
  readonly tool?: string;
  /** `set`: one tool's rule (`rule` says which kind); `replaced`: the whole document; `rolled_back`: to kept version `to`. */
  readonly event: 'set' | 'replaced' | 'rolled_back';
  readonly rule?: string;
  readonly to?: number;
  /** The version (digest) written, and the one it replaced. */
  readonly version: string;
  readonly previous?: string;
  /** Who changed it: the admin's label, or `cli:<OS user>`. */
  readonly by: string;
}

export type AuditEntry = DecisionEntry | OutcomeEntry | CheckpointEntry | PinEntry | ApprovalEntry | PolicyEntry;

/** Entries about a tool rather than a request: each is its own subject, found by its own server and tool. */
export type EventEntry = PinEntry | ApprovalEntry | PolicyEntry;
export const EVENT_KINDS = ['pin', 'approval', 'policy'] as const satisfies readonly AuditEntry['kind'][];
export const isEvent = (entry: { readonly kind: AuditEntry['kind'] }): entry is EventEntry => (EVENT_KINDS as readonly string[]).includes(entry.kind);

/** A stored entry: its place in the chain and the hashes that bind it there. */
export interface ChainedEntry {
  readonly seq: number;
  readonly entry: AuditEntry;
  readonly prevHash: string;
  readonly hash: string;
}
