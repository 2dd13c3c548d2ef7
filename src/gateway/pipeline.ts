import { performance } from 'node:perf_hooks';
import { ErrorCode, errorResponse, resultResponse, type JSONRPCResponse, type Params } from '../protocol/jsonrpc.js';
import { notPermitted } from '../policy/decision.js';
import { isMcpMethod } from '../protocol/methods.js';
import type { UpstreamConnection } from '../upstream/connection.js';
import type { ApprovalRequest } from '../approvals/approval.js';
import type { ApprovalRequirement } from '../policy/decision.js';
import type { ApprovalGate } from '../approvals/approvals.js';
import type { Admission, Denial, Verdict } from './admission.js';
import type { AuditedCall, AuditTrail } from './audit-trail.js';
import type { CallChannel } from './call-channel.js';
import type { RateLimits } from './rate-limits.js';
import type { Session } from './session.js';

/**
 * One request on its way to a server, parsed once: every stage of the pipeline reads this object and nothing
 * looks the request up again.
 */
export interface ParsedCall {
  readonly session: Session;
  readonly method: string;
  /** Where it goes; undefined when no server could be found for it (refused, with `refusal`). */
  readonly upstream?: UpstreamConnection;
  /** The tool or prompt as the server knows it, or the resource URI. */
  readonly name?: string;
  /** The name as the client sent it (an aggregated name keeps its prefix), for what the client reads. */
  readonly requested?: string;
  /** Whether the server lists `name`: only listed names become metric labels. */
  readonly known: boolean;
  readonly params?: Params;
  readonly channel: CallChannel;
  /** A refusal decided before the policy could be asked (an unknown tool on the aggregate, a method it cannot route). */
  readonly refusal?: Denial;
  /**
   * For a name its server does not list: the refusal that stands when the policy has nothing against the name. The
   * policy is asked first, so an unknown name gets what a known one would (a server without a policy refuses both
   * alike), and never reaches the server.
   */
  readonly unlisted?: Denial;
  /** Continues a call already admitted, counted and recorded (a 2026-07-28 retry bringing a held call its answers). */
  readonly resume?: () => Promise<JSONRPCResponse>;
}

/** Sends an admitted call on: to its server, or to the part of the gateway that serves it for every client. */
export type Forward = () => Promise<JSONRPCResponse>;

/** The pin check: a refusal for a tool whose definition is held for review, from what is in memory. */
export type PinCheck = (server: string, tool: string) => Denial | undefined;

/** The approval stage: asks for, holds or finds a call's approval (the gateway knows the session and the store). */
export interface ApprovalStage {
  gate(call: ParsedCall, verdict: Allowed): Promise<ApprovalGate>;
  /** The approved call came back from its server. */
  finished(request: ApprovalRequest): void;
}

type Allowed = Extract<Verdict, { allow: true }>;

const NO_APPROVALS: ApprovalStage = {
  gate: async () => {
    throw new Error('approvals are not open');
  },
  finished: () => {},
};

/**
 * Refusals that would tell a client a tool exists which it is not shown: hidden, left out under `default: deny`, on
 * a server its grant does not reach, or no such tool. They are all answered alike (the audit log keeps which it
 * was), so no client can map what is kept from it by calling names. A server without a policy refuses every name
 * alike, so its refusal is shown as it is, except on the aggregate, where an unknown name has no server to ask.
 */
const UNSEEN: ReadonlySet<Denial['reason']> = new Set(['hidden', 'default', 'not_granted', 'unknown_tool']);

function unseen(call: ParsedCall, verdict: Denial): boolean {
  if (call.method !== 'tools/call') return false;
  return UNSEEN.has(verdict.reason) || (verdict.reason === 'no_policy' && call.session.route.aggregated);
}

/** The rule a client is shown for a tool it cannot see. */
const NOT_LISTED = '(not listed)';

/**
 * The one door: every request the gateway forwards passes here, in this order — the policy's decision (or a refusal
 * decided before it), the tool's pinned definition, the counters (all or none), the write-ahead audit record, the
 * server, then the outcome. Every way out is recorded, and every refusal has one shape (`denial`).
 *
 * The pin is checked on what the policy lets through, so a changed tool the policy hides or leaves out stays
 * unseen; one it allows is refused as changed.
 */
export class Pipeline {
  constructor(
    private readonly admission: Admission,
    private readonly limits: RateLimits,
    private readonly audit: AuditTrail,
    private readonly pins: PinCheck = () => undefined,
    private readonly approvals: ApprovalStage = NO_APPROVALS,
  ) {}

  async run(call: ParsedCall, forward: Forward): Promise<JSONRPCResponse> {
    const audited = this.audit.begin(call);
    const admitted = call.refusal ?? this.admission.admit({ session: call.session, server: call.upstream!.name, method: call.method, name: call.name, arguments: call.params?.arguments });
    const held = admitted.allow && call.method === 'tools/call' && !call.unlisted ? this.pins(call.upstream!.name, call.name!) : undefined;
    const verdict = admitted.allow ? (call.unlisted ?? held ?? admitted) : admitted;
    if (!verdict.allow) return this.refuse(audited, call, verdict);
    // A held call was counted and recorded when it began.
    if (call.resume) return call.resume();
    const counted = await this.limits.reserve(verdict, audited.server, call.session, call.name ?? call.method);
    if ('denial' in counted) return this.refuse(audited, call, { ...counted.denial, auditArgs: verdict.auditArgs });
    // Counted first, so a call the counters refuse asks nobody; a call that is not approved now gives its count back.
    const approval = approvalOf(verdict) && (await this.approvals.gate(call, verdict));
    if (approval && approval.kind !== 'approved') {
      if (counted.reservation) await this.limits.release(counted.reservation);
      return this.refuse(audited, call, approvalDenial(call, verdict, approval));
    }
    if (!(await this.audit.allowed(audited, verdict))) {
      if (counted.reservation) await this.limits.release(counted.reservation);
      return denial(audited, call, { allow: false, message: 'audit log unavailable', rule: verdict.decision?.rule ?? '(audit)', reason: 'audit_unavailable', ...(verdict.policy && { policy: verdict.policy }) });
    }
    const sent = performance.now();
    const response = await forward();
    this.audit.finished(audited, response, call.channel.cancellation?.cancelled ?? false, performance.now() - sent);
    if (approval) this.approvals.finished(approval.request);
    if (counted.reservation) await this.limits.settle(counted.reservation, response);
    return response;
  }

  private async refuse(audited: AuditedCall, call: ParsedCall, verdict: Denial): Promise<JSONRPCResponse> {
    await this.audit.refused(audited, verdict);
    return denial(audited, call, verdict);
  }
}

/**
 * The denial contract: a refused tool call is a tool result the model can read and adapt to (`isError`, text
 * starting `[POLICY DENIED]`), with the decision in `_meta` for programs; any other method gets a JSON-RPC error
 * with the decision as its data (-32601 for a method no server here takes, else -32600). The request id is the audit
 * entry's and the logs', so an operator can find what an agent reports.
 */
function denial({ requestId }: AuditedCall, call: ParsedCall, verdict: Denial): JSONRPCResponse {
  const hide = unseen(call, verdict);
  const shown = hide ? { message: notPermitted(call.requested ?? call.name ?? ''), rule: NOT_LISTED, reason: 'not_listed' } : verdict;
  const decision = {
    decision: 'deny',
    rule: shown.rule,
    reason: shown.reason,
    requestId,
    ...(!hide && verdict.policy && { policy: verdict.policy }),
    ...(verdict.retryAfterSeconds !== undefined && { retryAfterSeconds: verdict.retryAfterSeconds }),
  };
  const text = `${verdict.reason === 'approval_pending' ? '[APPROVAL PENDING]' : '[POLICY DENIED]'} ${shown.message}`;
  if (call.method === 'tools/call') return resultResponse(0, { content: [{ type: 'text', text }], isError: true, _meta: { [DECISION_META_KEY]: decision } });
  const code = !isMcpMethod(call.method) || verdict.reason === 'unroutable' ? ErrorCode.MethodNotFound : ErrorCode.InvalidRequest;
  return errorResponse(0, code, text, decision);
}

/** Where a denial's machine-readable decision rides in `_meta`. */
const DECISION_META_KEY = 'toolgate/decision';

/** A call its approval does not (yet) let through: pending in retry mode, or denied, expired, abandoned. */
function approvalDenial(call: ParsedCall, verdict: Allowed, gate: Exclude<ApprovalGate, { kind: 'approved' }>): Denial {
  const { request } = gate;
  const rule = approvalOf(verdict)?.pointer ?? '(approval)';
  const common = { rule, ...(verdict.policy && { policy: verdict.policy }), auditArgs: verdict.auditArgs };
  const tool = call.requested ?? call.name ?? '';
  if (gate.kind === 'pending') {
    const until = new Date(request.expiresAt).toISOString();
    return { allow: false, ...common, reason: 'approval_pending', message: `Tool "${tool}" needs a person's approval: retry the same call, with the same arguments, once it is approved (approval ${request.id}, open until ${until})` };
  }
  return { allow: false, ...common, reason: 'approval_denied', message: `Tool "${tool}" was not approved: ${gate.message}` };
}

/** The approval an allowed call still needs, if any. */
export function approvalOf(verdict: Allowed): ApprovalRequirement | undefined {
  return verdict.decision?.kind === 'allow' ? verdict.decision.approval : undefined;
}
