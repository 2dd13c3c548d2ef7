import type { CompiledPolicy, CompiledRule } from './compile.js';
import type { CompiledCondition } from './conditions.js';
import { isHidden, listed, ruleFor } from './decide.js';
import { DEFAULT_ALLOW, DEFAULT_DENY, HIDDEN, NO_POLICY, notPermitted, type CompiledLimit, type RulePointer } from './decision.js';

/**
 * What a policy does to a tool, whatever the arguments, strongest first: `hidden` (in `hide`), `denied` (`deny:
 * true`, left out under `default: deny`, or no policy), `approval` (a human must approve, always or when
 * `approval.when` holds), `conditional` (allowed while its `require` hold and no `deny_if` does), `limited` (allowed
 * within counters), `allowed`. A weaker trait of the same tool is still shown: an approval's limits and conditions.
 */
export type EffectKind = 'hidden' | 'denied' | 'approval' | 'conditional' | 'limited' | 'allowed';

export interface LimitEffect {
  rule: RulePointer;
  counter: string;
  windowMs: number;
  max: number;
  scope: CompiledLimit['scope'];
  /** A spend counter: each call counts for this argument. */
  incrementFrom?: string;
  /** What each call counts for, when it is not 1. */
  increment?: number;
}

export interface ConditionEffect {
  rule: RulePointer;
  /** `require` must hold and `deny_if` must not, or the call is refused; approval is needed when every `when` holds. */
  kind: 'require' | 'deny_if' | 'when';
  path: string;
  op: string;
  value: unknown;
}

export interface ToolEffect {
  effect: EffectKind;
  /** The rule that decides the effect: a pointer into the policy, or `(hidden)`, `(default deny)`, `(default allow)`, `(no policy)`. */
  rule: RulePointer;
  /** Whether tools/list shows the tool (a shadow policy lists what it would hide). */
  listed: boolean;
  /** False when the refusal this effect names is in shadow mode: logged, the call let through. */
  enforced: boolean;
  /** What an agent reads when it calls a tool that `deny: true` refuses (a tool not listed gets the gateway's one answer). */
  message?: string;
  limits?: LimitEffect[];
  conditions?: ConditionEffect[];
  approval?: { rule: RulePointer; timeoutMs: number; message?: string; when?: ConditionEffect[] };
}

/**
 * What `policy` does to `tool` regardless of arguments, found the way `decide` finds it (the same hide check and the
 * same name precedence), so the catalogue cannot disagree with the gateway about which rule governs a tool.
 */
export function toolEffect(policy: CompiledPolicy | undefined, tool: string): ToolEffect {
  if (!policy) return { effect: 'denied', rule: NO_POLICY, listed: false, enforced: true };
  const shown = listed(policy, tool);
  if (isHidden(policy, tool)) return { effect: 'hidden', rule: HIDDEN, listed: shown, enforced: !policy.shadow };
  const rule = ruleFor(policy, tool);
  if (!rule && policy.default === 'deny') return { effect: 'denied', rule: DEFAULT_DENY, listed: shown, enforced: !policy.shadow };
  if (rule?.deny) return { effect: 'denied', rule: rule.pointer, listed: shown, enforced: !rule.shadow, message: rule.onDeny ?? notPermitted(tool) };

  const governing = [rule, policy.allTools].filter((r): r is NonNullable<typeof r> => r !== undefined);
  const limits = (rule ? rule.allLimits : (policy.allTools?.limits ?? [])).map(limitEffect);
  const conditions = governing.flatMap(conditionEffects);
  const approval = rule?.approval ?? policy.allTools?.approval;
  const pointer = rule?.pointer ?? DEFAULT_ALLOW;
  const traits = { ...(limits.length > 0 && { limits }), ...(conditions.length > 0 && { conditions }) };
  if (approval) {
    const when = approval.when.map(conditionEffect('when'));
    const held = { rule: approval.pointer, timeoutMs: approval.timeoutMs, ...(approval.message !== undefined && { message: approval.message }), ...(when.length > 0 && { when }) };
    return { effect: 'approval', rule: approval.pointer, listed: shown, enforced: true, ...traits, approval: held };
  }
  // Conditions in shadow mode refuse nothing; they are enforced if any rule carrying them is.
  if (conditions.length > 0) return { effect: 'conditional', rule: pointer, listed: shown, enforced: governing.some((r) => !r.shadow && hasConditions(r)), ...traits };
  return { effect: limits.length > 0 ? 'limited' : 'allowed', rule: pointer, listed: shown, enforced: true, ...traits };
}

function limitEffect(limit: CompiledLimit): LimitEffect {
  return {
    rule: limit.pointer,
    counter: limit.counter,
    windowMs: limit.windowMs,
    max: limit.max,
    scope: limit.scope,
    ...(limit.incrementFrom && { incrementFrom: limit.incrementFrom.path }),
    ...(!limit.incrementFrom && limit.increment !== 1 && { increment: limit.increment }),
  };
}

function conditionEffects(rule: CompiledRule): ConditionEffect[] {
  return [...rule.require.map(conditionEffect('require')), ...rule.denyIf.map(conditionEffect('deny_if'))];
}

function conditionEffect(kind: ConditionEffect['kind']): (condition: CompiledCondition) => ConditionEffect {
  return (condition) => ({ rule: condition.pointer, kind, path: condition.path, op: condition.op, value: condition.value });
}

function hasConditions(rule: CompiledRule): boolean {
  return rule.require.length > 0 || rule.denyIf.length > 0;
}
