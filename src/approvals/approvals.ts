import { randomBase62 } from '../grants/token.js';
import type { ApprovalEntry } from '../audit/audit-record.js';
import type { ApprovalRequirement } from '../policy/decision.js';
import { advance, bindingKey, decide, type ApprovalBinding, type ApprovalRequest, type Approver } from './approval.js';
import type { ApprovalStore } from './approval-store.js';

/**
 * A forwarded call that has not come back after this long is taken to be lost with the process that sent it (a
 * crash, a kill): it is marked ambiguous, and never sent again by itself. A call that truly runs longer finds its
 * request ambiguous when it ends, which is logged.
 */
export const AMBIGUOUS_AFTER_MS = 10 * 60_000;

/** What happened to a request, for the audit log and the webhook. */
export interface ApprovalEvent {
  readonly request: ApprovalRequest;
  readonly event: 'requested' | 'approved' | 'denied' | 'expired' | 'cancelled' | 'forwarded' | 'completed' | 'ambiguous';
  /** Who decided, and why they said so. */
  readonly by?: string;
  readonly reason?: string;
}

/** An event as the audit log keeps it: the request's id, its binding, and who decided and why. */
export function approvalEntry({ request, event, by, reason }: ApprovalEvent, time: number): ApprovalEntry {
  const { grant, server, tool, argsDigest } = request.binding;
  return { kind: 'approval', time, approval: request.id, event, grant, server, tool, digest: argsDigest, ...(by !== undefined && { by }), ...(reason !== undefined && { reason }) };
}

/** A call that needs approval, as the gateway describes it. */
export interface ApprovalCall {
  readonly binding: ApprovalBinding;
  readonly requirement: ApprovalRequirement;
  /** The arguments as approvers may see them (the policy's audit setting). */
  readonly shown?: unknown;
  readonly wait: 'hold' | 'retry';
  /** Aborted when the agent gives up (disconnects, cancels): a held request is then cancelled, never forwarded. */
  readonly signal?: AbortSignal;
  /** Told every so often while the call is held, with the time left. */
  readonly waiting?: (request: ApprovalRequest, leftMs: number) => void;
}

/** Where a call stands: go on (it is claimed, once), refused (and why), or pending (retry mode: answered at once). */
export type ApprovalGate =
  | { kind: 'approved'; request: ApprovalRequest }
  | { kind: 'refused'; request: ApprovalRequest; message: string }
  | { kind: 'pending'; request: ApprovalRequest };

export interface ApprovalsParts {
  store: ApprovalStore;
  record(event: ApprovalEvent): Promise<void> | void;
  clock?: () => number;
  /** How often held requests are looked up in the store, where a decision from another process shows. */
  pollMs?: number;
  /** How often a held call's agent is told it is still waiting. */
  waitingEveryMs?: number;
}

interface Held {
  request: ApprovalRequest;
  settle: (request: ApprovalRequest) => void;
}

/**
 * Approval requests from the gateway's side: made for a call, held until a person decides (or the time runs out, or
 * the agent leaves), and claimed exactly once when approved. Decisions may come from any process on the same store
 * (the CLI, another replica's admin API): held requests are looked up every `pollMs`.
 */
export class Approvals {
  private readonly held = new Map<string, Held[]>();
  private readonly clock: () => number;
  private poller?: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly parts: ApprovalsParts) {
    this.clock = parts.clock ?? Date.now;
  }

  /** Asks for approval of a call: in retry mode the identical call's earlier request is found again. */
  async gate(call: ApprovalCall): Promise<ApprovalGate> {
    const key = bindingKey(call.binding);
    if (call.wait === 'retry') {
      const approved = await this.parts.store.findByKey(key, ['approved']);
      if (approved) {
        const claimed = await this.move(approved, 'forwarded');
        if (claimed) return { kind: 'approved', request: claimed };
      }
      const pending = await this.parts.store.findByKey(key, ['pending']);
      if (pending && pending.expiresAt > this.clock()) return { kind: 'pending', request: pending };
    }
    const request = await this.create(call, key);
    if (call.wait === 'retry') return { kind: 'pending', request };
    return this.hold(request, call);
  }

  /** Calls held open now. */
  get heldCount(): number {
    return this.held.size;
  }

  /** The held or retried call came back from its server (`completed`), or nobody can tell whether it got there. */
  async finished(request: ApprovalRequest, how: 'completed' | 'ambiguous'): Promise<void> {
    await this.move(request, how);
  }

  /** A person's decision, from the CLI or the admin API; an error when it cannot be taken (message says why). */
  async decide(id: string, approver: Approver, verdict: 'approve' | 'deny', reason?: string): Promise<ApprovalRequest> {
    // A decision races others only on the same record: read, decide, write if unchanged; again if it changed.
    for (let attempt = 0; attempt < 5; attempt++) {
      const request = await this.parts.store.get(id);
      if (!request) throw new ApprovalError(`no approval request ${id}`);
      const outcome = decide(request, approver, verdict, this.clock(), reason);
      if (!outcome.request) throw new ApprovalError(outcome.ok ? `approval ${id} could not be decided` : outcome.error);
      const next = outcome.request;
      if (!(await this.parts.store.replace(request, next))) continue;
      if (!outcome.ok) {
        await this.parts.record({ request: next, event: 'expired' });
        throw new ApprovalError(outcome.error);
      }
      if (next.state !== 'pending') await this.parts.record({ request: next, event: next.state === 'approved' ? 'approved' : 'denied', by: approver.name, ...(reason !== undefined && { reason }) });
      return next;
    }
    throw new ApprovalError(`approval ${id} kept changing while it was being decided; try again`);
  }

  /** Marks ambiguous every forwarded request that never came back (see AMBIGUOUS_AFTER_MS); how many were. */
  async sweep(): Promise<number> {
    const forwarded = await this.parts.store.list({ state: 'forwarded' }, 1_000);
    const lost = forwarded.filter((request) => request.updatedAt <= this.clock() - AMBIGUOUS_AFTER_MS);
    let marked = 0;
    for (const request of lost) if (await this.move(request, 'ambiguous')) marked++;
    return marked;
  }

  /** Fails every held call (a shutdown): their agents get an error now, and the records stay for retry mode. */
  close(): void {
    this.closed = true;
    clearInterval(this.poller);
    // Settled as they stand (pending): the records are not cancelled, and the agents are not told they were.
    for (const waiters of this.held.values()) for (const waiter of waiters) waiter.settle(waiter.request);
    this.held.clear();
  }

  private async create(call: ApprovalCall, key: string): Promise<ApprovalRequest> {
    const now = this.clock();
    const { requirement } = call;
    const request: ApprovalRequest = {
      id: `ap_${randomBase62(22)}`,
      binding: call.binding,
      key,
      rule: requirement.pointer,
      shown: { ...(call.shown !== undefined && { arguments: call.shown }), ...(requirement.message !== undefined && { message: requirement.message }) },
      approvers: requirement.approvers,
      quorum: requirement.quorum,
      wait: call.wait,
      state: 'pending',
      createdAt: now,
      expiresAt: now + requirement.timeoutMs,
      decisions: [],
      updatedAt: now,
      version: 1,
    };
    await this.parts.store.create(request);
    await this.parts.record({ request, event: 'requested' });
    return request;
  }

  /** Holds the call until the request is decided, expires or is abandoned; an approved one is claimed here. */
  private async hold(request: ApprovalRequest, call: ApprovalCall): Promise<ApprovalGate> {
    if (this.closed) return { kind: 'refused', request, message: 'the gateway is shutting down' };
    const settled = new Promise<ApprovalRequest>((settle) => {
      const waiters = this.held.get(request.id) ?? [];
      waiters.push({ request, settle });
      this.held.set(request.id, waiters);
    });
    this.poller ??= setInterval(() => void this.poll(), this.parts.pollMs ?? 250);
    const everyMs = this.parts.waitingEveryMs ?? 15_000;
    const tell = call.waiting && setInterval(() => call.waiting!(request, Math.max(0, request.expiresAt - this.clock())), everyMs);
    // An agent may give up before the call is held (while it was counted, or its request written): an abort event
    // has fired by then, and waiting for one would hold a call nobody waits for until it is approved, then forward it.
    const abandoned = new Promise<'abandoned'>((resolve) => {
      if (call.signal?.aborted) resolve('abandoned');
      else call.signal?.addEventListener('abort', () => resolve('abandoned'), { once: true });
    });
    try {
      const outcome = await Promise.race([settled, abandoned]);
      if (outcome === 'abandoned') {
        const cancelled = await this.move(await this.current(request), 'cancelled');
        // Approved just as the agent left: the claim is never made, and it is not forwarded.
        return { kind: 'refused', request: cancelled ?? request, message: 'the call was abandoned while it waited for approval' };
      }
      if (outcome.state === 'pending') return { kind: 'refused', request: outcome, message: `the gateway shut down while approval ${request.id} was pending; the request stays open` };
      if (outcome.state === 'approved') {
        const claimed = await this.move(outcome, 'forwarded');
        if (claimed) return { kind: 'approved', request: claimed };
        return { kind: 'refused', request: outcome, message: `approval ${request.id} was already used` };
      }
      return { kind: 'refused', request: outcome, message: refusal(outcome) };
    } finally {
      clearInterval(tell);
      this.release(request.id);
    }
  }

  private release(id: string): void {
    this.held.delete(id);
    if (this.held.size === 0) {
      clearInterval(this.poller);
      this.poller = undefined;
    }
  }

  private async current(request: ApprovalRequest): Promise<ApprovalRequest> {
    return (await this.parts.store.get(request.id)) ?? request;
  }

  /** Looks up every held request; settles those decided, and expires those past their time. */
  private async poll(): Promise<void> {
    const ids = [...this.held.keys()];
    if (ids.length === 0) return;
    const found = await this.parts.store.getMany(ids).catch(() => []);
    const now = this.clock();
    for (const request of found) {
      let settled: ApprovalRequest | undefined = request.state === 'pending' ? undefined : request;
      if (!settled && now >= request.expiresAt) settled = (await this.move(request, 'expired')) ?? (await this.current(request));
      if (!settled || settled.state === 'pending') continue;
      for (const waiter of this.held.get(request.id) ?? []) waiter.settle(settled);
    }
  }

  /** One step of the request's life, written if nobody changed it first, and recorded; undefined when not taken. */
  private async move(request: ApprovalRequest, to: 'forwarded' | 'completed' | 'ambiguous' | 'cancelled' | 'expired'): Promise<ApprovalRequest | undefined> {
    const next = advance(request, to, this.clock());
    if (!next || !(await this.parts.store.replace(request, next))) return undefined;
    await this.parts.record({ request: next, event: to });
    return next;
  }
}

/** Why a held call is refused, as the agent reads it. */
function refusal(request: ApprovalRequest): string {
  if (request.state === 'denied') {
    const denial = request.decisions.find((d) => d.verdict === 'deny');
    return `approval ${request.id} was denied${denial ? ` by ${denial.approver}${denial.reason ? `: ${denial.reason}` : ''}` : ''}`;
  }
  if (request.state === 'expired') return `approval ${request.id} expired: nobody decided in time`;
  return `approval ${request.id} is ${request.state}`;
}

export class ApprovalError extends Error {}
