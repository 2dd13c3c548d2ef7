import type { Step } from './argument-path.js';

/**
 * Where a decision came from: a JSON pointer into the policy (`/tools/x/deny_if/0`), or one of the built-in
 * sources.
 */
export type RulePointer = string;
export const DEFAULT_DENY = '(default deny)';
export const DEFAULT_ALLOW = '(default allow)';
export const HIDDEN = '(hidden)';
export const NO_POLICY = '(no policy)';

export type DenyReason =
  /** hidden by `hide` */
  | 'hidden'
  /** not listed under `default: deny` */
  | 'default'
  /** `deny: true` on the tool, or a method denied under `methods` */
  | 'denied'
  /** a `require` that did not hold or a `deny_if` that did */
  | 'condition'
  /** an argument of the wrong type for a condition, or a spend amount that is not a finite non-negative number */
  | 'invalid_argument'
  /** the server (or grant) has no policy */
  | 'no_policy';

/** A limit as the counters see it: normalised, with where it came from. */
export interface CompiledLimit {
  readonly pointer: RulePointer;
  readonly counter: string;
  readonly windowMs: number;
  readonly max: number;
  readonly scope: 'grant' | 'session' | 'global';
  /** What each call counts for when `incrementFrom` is absent. */
  readonly increment: number;
  /** A spend counter: the amount is read from the call's arguments. */
  readonly incrementFrom?: { path: string; steps: readonly Step[] };
  /** What the agent reads when this limit refuses a call, if the policy says. */
  readonly message?: string;
  /** The rule the limit belongs to, when the policy names it. */
  readonly name?: string;
}

export interface ApprovalRequirement {
  readonly pointer: RulePointer;
  readonly timeoutMs: number;
  readonly message?: string;
  /** Names or `group:<name>`; empty: any approver. */
  readonly approvers: readonly string[];
  readonly quorum: number;
  /** How the agent waits; undefined: hold when the client can (it sent a progress token), else retry. */
  readonly wait?: 'hold' | 'retry';
}

/** A denial that shadow mode recorded instead of enforcing. */
export interface ShadowedDenial {
  readonly rule: RulePointer;
  readonly reason: DenyReason;
  readonly message: string;
}

export type Decision =
  | {
      readonly kind: 'allow';
      readonly rule: RulePointer;
      /** Every counter the call must fit in, tool limits first, then `all_tools` limits. */
      readonly limits: readonly CompiledLimit[];
      /** What the call counts for on each limit, in the same order. */
      readonly amounts: readonly number[];
      readonly approval?: ApprovalRequirement;
      readonly shadow?: ShadowedDenial;
    }
  | {
      readonly kind: 'deny';
      readonly rule: RulePointer;
      readonly reason: DenyReason;
      readonly message: string;
      /** The name of the rule `rule` points at, when the policy gives one (a converted Intercept rule's `name`). */
      readonly name?: string;
    }
  | { readonly kind: 'hidden'; readonly rule: typeof HIDDEN; readonly reason: 'hidden'; readonly message: string };

export type Denial = Extract<Decision, { kind: 'deny' | 'hidden' }>;

/** The message an agent reads for a tool it may not call. */
export function notPermitted(tool: string): string {
  return `Tool "${tool}" is not permitted by policy`;
}

export function hiddenMessage(tool: string): string {
  return `Tool "${tool}" is hidden by policy`;
}
