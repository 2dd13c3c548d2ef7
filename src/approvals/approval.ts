import { createHash } from 'node:crypto';
import { canonical } from '../documents/canonical-json.js';

/**
 * A request for a person's approval of one call, and the rules of its life (pure: the stores keep the records, the
 * gateway holds the calls). A request moves pending → approved → forwarded → completed, or ends denied, expired or
 * cancelled; a forward whose outcome nobody saw is `ambiguous` and is never sent again by itself.
 */
export const APPROVAL_STATES = ['pending', 'approved', 'denied', 'expired', 'cancelled', 'forwarded', 'completed', 'ambiguous'] as const;
export type ApprovalState = (typeof APPROVAL_STATES)[number];

/** The states a request can no longer leave. */
export const FINAL_STATES: ReadonlySet<ApprovalState> = new Set(['denied', 'expired', 'cancelled', 'completed', 'ambiguous']);

/** What an approval approves: this grant's call of this tool with these arguments, under this policy and definition. */
export interface ApprovalBinding {
  readonly grant: { readonly id: string; readonly label: string };
  readonly server: string;
  readonly tool: string;
  /** SHA-256 of the arguments' canonical JSON: one byte different is another call. */
  readonly argsDigest: string;
  /** The version of the policy that asked for the approval. */
  readonly policy: string;
  /** The digest of the tool's pinned definition, when pinning is on. */
  readonly pin?: string;
}

export interface ApprovalDecision {
  readonly approver: string;
  readonly verdict: 'approve' | 'deny';
  readonly reason?: string;
  readonly at: number;
}

export interface ApprovalRequest {
  /** `ap_` and 22 base62 characters: unguessable, since a signed link or the CLI names it. */
  readonly id: string;
  readonly binding: ApprovalBinding;
  /** The binding's digest: how the identical call, retried, finds its approval. */
  readonly key: string;
  /** The policy's pointer to the approval rule that asked. */
  readonly rule: string;
  /** What approvers are shown: the arguments as the policy's audit setting allows, and the rule's message. */
  readonly shown: { readonly arguments?: unknown; readonly message?: string };
  /** Who may decide: names, or `group:<name>`; empty, any approver. */
  readonly approvers: readonly string[];
  /** Distinct approvals needed. */
  readonly quorum: number;
  /** How the agent waits: the call held open, or answered at once and retried. */
  readonly wait: 'hold' | 'retry';
  readonly state: ApprovalState;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly decisions: readonly ApprovalDecision[];
  /** When it last changed. */
  readonly updatedAt: number;
  /** Counts every change: what a store's compare-and-set compares. */
  readonly version: number;
}

/** The digest of a call's arguments, over their canonical JSON (keys sorted), so key order does not matter. */
export function argumentsDigest(args: unknown): string {
  return createHash('sha256').update(canonical(args ?? {})).digest('hex');
}

/** The digest a request is found by: all of its binding. */
export function bindingKey(binding: ApprovalBinding): string {
  return createHash('sha256').update(canonical(binding)).digest('hex');
}

/** Someone deciding: their name, and the groups they are in (for `group:<name>` approvers). */
export interface Approver {
  readonly name: string;
  readonly groups?: readonly string[];
}

export type Outcome = { ok: true; request: ApprovalRequest } | { ok: false; error: string; request?: ApprovalRequest };

/**
 * A person's decision on a pending request. The requester's own grant never counts; one deny ends it; approvals by
 * the same person count once; `quorum` distinct approvals approve it. A request past its expiry is expired instead.
 */
export function decide(request: ApprovalRequest, approver: Approver, verdict: 'approve' | 'deny', now: number, reason?: string): Outcome {
  if (request.state === 'pending' && now >= request.expiresAt) return { ok: false, error: `approval ${request.id} expired`, request: changed(request, 'expired', now) };
  if (request.state !== 'pending') return { ok: false, error: `approval ${request.id} is ${request.state}, not pending` };
  if (approver.name === request.binding.grant.label) return { ok: false, error: `${approver.name} made the request, and cannot decide it` };
  if (!mayDecide(request, approver)) return { ok: false, error: `${approver.name} is not among the approvers of ${request.id} (${request.approvers.join(', ')})` };
  const decision: ApprovalDecision = { approver: approver.name, verdict, at: now, ...(reason !== undefined && { reason }) };
  const decisions = [...request.decisions, decision];
  if (verdict === 'deny') return { ok: true, request: { ...changed(request, 'denied', now), decisions } };
  const approvedBy = new Set(decisions.filter((d) => d.verdict === 'approve').map((d) => d.approver));
  return { ok: true, request: { ...changed(request, approvedBy.size >= request.quorum ? 'approved' : 'pending', now), decisions } };
}

function changed(request: ApprovalRequest, state: ApprovalState, now: number): ApprovalRequest {
  return { ...request, state, updatedAt: now, version: request.version + 1 };
}

/** A `group:<name>` entry admits the group's members only: a person whose name reads `group:finance` is not in it. */
function mayDecide(request: ApprovalRequest, approver: Approver): boolean {
  if (request.approvers.length === 0) return true;
  return request.approvers.some((allowed) => (allowed.startsWith('group:') ? approver.groups?.includes(allowed.slice('group:'.length)) === true : allowed === approver.name));
}

/**
 * The next state on the way to the server, if the request is where that step starts: only a pending request can be
 * cancelled or expire, and an approval is claimed (forwarded) only before the request's expiry, which bounds it too.
 */
export function advance(request: ApprovalRequest, to: 'forwarded' | 'completed' | 'ambiguous' | 'cancelled' | 'expired', now: number): ApprovalRequest | undefined {
  const from: Record<typeof to, ApprovalState> = { forwarded: 'approved', completed: 'forwarded', ambiguous: 'forwarded', cancelled: 'pending', expired: 'pending' };
  if (request.state !== from[to] || (to === 'forwarded' && now >= request.expiresAt)) return undefined;
  return changed(request, to, now);
}
