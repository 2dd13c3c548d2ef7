import { resolvePath } from './argument-path.js';
import type { CompiledCondition, Outcome } from './conditions.js';
import { segment, type CompiledApproval, type CompiledPolicy, type CompiledRule, type CompiledTool } from './compile.js';
import {
  DEFAULT_DENY,
  HIDDEN,
  hiddenMessage,
  notPermitted,
  type ApprovalRequirement,
  type Decision,
  type Denial,
  type RulePointer,
} from './decision.js';

/** A tool call as the policy sees it. */
export interface ToolCall {
  readonly tool: string;
  readonly args: unknown;
}

/** One rule's part in a decision, for `policy explain`. */
export interface TraceStep {
  readonly rule: RulePointer;
  readonly outcome: 'applies' | 'holds' | 'fails' | 'mistyped' | 'not applicable';
  readonly detail: string;
}

/**
 * Decides one call. Pure: the same policy and call always give the same decision, and nothing is read or written
 * besides the two arguments (a memo of which pattern governs a tool name is kept beside the policy).
 */
export function decide(policy: CompiledPolicy, call: ToolCall): Decision {
  return evaluate(policy, call, undefined);
}

/** The decision, and every rule that took part in it. */
export function explain(policy: CompiledPolicy, call: ToolCall): { decision: Decision; trace: TraceStep[] } {
  const trace: TraceStep[] = [];
  return { decision: evaluate(policy, call, trace), trace };
}

/** Whether a tool is shown in tools/list: not hidden, and callable at least for some arguments. */
export function listed(policy: CompiledPolicy, tool: string): boolean {
  if (!policy.shadow && isHidden(policy, tool)) return false;
  return ruleFor(policy, tool) !== undefined || policy.default === 'allow' || policy.shadow;
}

/** What the audit log keeps of a call's arguments: the tool's rule, else `all_tools`, else the keys only. */
export function auditArgs(policy: CompiledPolicy, tool: string): 'keys' | 'full' | 'redacted' {
  return ruleFor(policy, tool)?.auditArgs ?? policy.allTools?.auditArgs ?? 'keys';
}

/** Whether a method other than tools/call may be used (`methods`; allowed unless a rule says deny). */
export function methodAllowed(policy: CompiledPolicy, method: string): { allow: boolean; rule: RulePointer } {
  const exact = policy.methods.exact.get(method);
  if (exact) return { allow: exact === 'allow', rule: `/methods/${segment(method)}` };
  for (const { glob, effect } of policy.methods.patterns) {
    if (glob.matches(method)) return { allow: effect === 'allow', rule: `/methods/${segment(glob.text)}` };
  }
  return { allow: true, rule: '(methods default allow)' };
}

export function isHidden(policy: CompiledPolicy, tool: string): boolean {
  return policy.hideAll || policy.hidden.has(tool) || (policy.hiddenPatterns.length > 0 && policy.hiddenPatterns.some((g) => g.matches(tool)));
}

/** Names a client sends are untrusted: the memo of pattern lookups is bounded. */
const MEMO_LIMIT = 10_000;
const memos = new WeakMap<CompiledPolicy, Map<string, CompiledTool | null>>();

/** The `tools` entry that governs a name: the exact key, else the pattern that takes precedence. */
export function ruleFor(policy: CompiledPolicy, tool: string): CompiledTool | undefined {
  const exact = policy.exact.get(tool);
  if (exact || policy.patterns.length === 0) return exact;
  let memo = memos.get(policy);
  if (!memo) memos.set(policy, (memo = new Map()));
  const known = memo.get(tool);
  if (known !== undefined) return known ?? undefined;
  const found = policy.patterns.find(({ glob }) => glob.matches(tool))?.tool;
  if (memo.size >= MEMO_LIMIT) memo.clear();
  memo.set(tool, found ?? null);
  return found;
}

function evaluate(policy: CompiledPolicy, call: ToolCall, trace: TraceStep[] | undefined): Decision {
  const { tool, args } = call;
  let shadowed: Denial | undefined;
  /** A denial, or in shadow mode the record of one and the evaluation going on as if it had not happened. */
  const refuse = (denial: Denial, shadow: boolean): Denial | undefined => {
    if (!shadow) return denial;
    shadowed ??= denial;
    trace?.push({ rule: denial.rule, outcome: 'applies', detail: `shadow mode: would refuse (${denial.message})` });
    return undefined;
  };

  if (isHidden(policy, tool)) {
    trace?.push({ rule: HIDDEN, outcome: 'applies', detail: `"${tool}" is in hide` });
    const denial = refuse({ kind: 'hidden', rule: HIDDEN, reason: 'hidden', message: hiddenMessage(tool) }, policy.shadow);
    if (denial) return denial;
  }
  const rule = ruleFor(policy, tool);
  if (!rule) {
    trace?.push({ rule: policy.default === 'deny' ? DEFAULT_DENY : '(default allow)', outcome: 'applies', detail: `no entry in tools matches "${tool}"` });
    if (policy.default === 'deny') {
      const denial = refuse({ kind: 'deny', rule: DEFAULT_DENY, reason: 'default', message: notPermitted(tool) }, policy.shadow);
      if (denial) return denial;
    }
  } else {
    trace?.push({ rule: rule.pointer, outcome: 'applies', detail: policy.exact.get(tool) === rule ? 'exact entry' : `pattern "${rule.key}"` });
    if (rule.deny) {
      const denial = refuse({ kind: 'deny', rule: rule.pointer, reason: 'denied', message: rule.onDeny ?? notPermitted(tool) }, rule.shadow);
      if (denial) return denial;
    }
  }

  for (const governing of [rule, policy.allTools]) {
    if (!governing) continue;
    const denial = checkConditions(governing, tool, args, trace);
    if (denial && refuse(denial, governing.shadow)) return denial;
  }
  if (shadowed) return { kind: 'allow', rule: rule?.pointer ?? '(default allow)', limits: [], amounts: [], shadow: shadowed };

  const fixed = rule ? rule.allow : policy.allowDefault;
  if (fixed && !trace) return fixed;
  return allowWithAmounts(policy, rule, tool, args, trace);
}

function checkConditions(rule: CompiledRule, tool: string, args: unknown, trace: TraceStep[] | undefined): Denial | undefined {
  for (const condition of rule.require) {
    const outcome = condition.required(args);
    trace?.push({ rule: condition.pointer, outcome, detail: `require ${describe(condition)}` });
    if (outcome !== 'holds') return conditionDenial(rule, condition, outcome, tool, `requires ${describe(condition)}`);
  }
  for (const condition of rule.denyIf) {
    const outcome = condition.triggered(args);
    trace?.push({ rule: condition.pointer, outcome, detail: `deny_if ${describe(condition)}` });
    if (outcome !== 'fails') return conditionDenial(rule, condition, outcome, tool, `is refused when ${describe(condition)}`);
  }
  return undefined;
}

function conditionDenial(rule: CompiledRule, condition: CompiledCondition, outcome: Outcome, tool: string, wording: string): Denial {
  const denial: Denial =
    outcome === 'mistyped'
      ? { kind: 'deny', rule: condition.pointer, reason: 'invalid_argument', message: `Tool "${tool}": ${condition.path} must be ${condition.expects}` }
      : { kind: 'deny', rule: condition.pointer, reason: 'condition', message: condition.message ?? rule.onDeny ?? `Tool "${tool}" ${wording}` };
  // Only a named rule's denial has the field: the others keep the shape (and speed) they had.
  return condition.name === undefined ? denial : { ...denial, name: condition.name };
}

function describe(condition: CompiledCondition): string {
  if (condition.op === 'exists') return condition.value === false ? `${condition.path} to be absent` : condition.path;
  return `${condition.path} ${condition.op} ${JSON.stringify(condition.value)}`;
}

/** The allow decision when something in it depends on the arguments: spend amounts, or approval conditions. */
function allowWithAmounts(policy: CompiledPolicy, rule: CompiledTool | undefined, tool: string, args: unknown, trace: TraceStep[] | undefined): Decision {
  const limits = rule ? rule.allLimits : (policy.allTools?.limits ?? []);
  const amounts: number[] = [];
  for (const limit of limits) {
    if (!limit.incrementFrom) {
      amounts.push(limit.increment);
      continue;
    }
    const values = resolvePath(args, limit.incrementFrom.steps);
    const amount = values.length === 1 ? values[0] : undefined;
    if (typeof amount !== 'number' || !Number.isFinite(amount) || amount < 0) {
      trace?.push({ rule: limit.pointer, outcome: 'mistyped', detail: `${limit.incrementFrom.path} is not a finite non-negative number` });
      return {
        kind: 'deny',
        rule: limit.pointer,
        reason: 'invalid_argument',
        message: `Tool "${tool}": ${limit.incrementFrom.path} must be a finite non-negative number (it counts against "${limit.counter}")`,
        ...(limit.name !== undefined && { name: limit.name }),
      };
    }
    amounts.push(amount);
  }
  for (const limit of limits) trace?.push({ rule: limit.pointer, outcome: 'applies', detail: `counts against "${limit.counter}" (max ${limit.max} per ${limit.windowMs} ms, per ${limit.scope})` });
  const approval = rule?.approval ?? policy.allTools?.approval;
  const needsApproval = approval !== undefined && approval.when.every((c) => c.required(args) === 'holds');
  if (approval) trace?.push({ rule: approval.pointer, outcome: needsApproval ? 'applies' : 'not applicable', detail: 'approval' });
  return {
    kind: 'allow',
    rule: rule?.pointer ?? '(default allow)',
    limits,
    amounts,
    ...(needsApproval && { approval: requirementOf(approval) }),
  };
}


/** What a decision carries of an approval rule: all of it but its conditions, which have been weighed. */
function requirementOf({ when: _, ...requirement }: CompiledApproval): ApprovalRequirement {
  return requirement;
}
