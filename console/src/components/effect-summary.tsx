import type { ConditionEffect, LimitEffect, ToolEffect } from '../catalogue.js';

const WORDS: Record<ToolEffect['effect'], string> = { allowed: 'Allowed', limited: 'Limited', conditional: 'Conditional', approval: 'Approval', denied: 'Denied', hidden: 'Hidden' };
const UNITS: [ms: number, name: string][] = [[86_400_000, 'day'], [3_600_000, 'hour'], [60_000, 'minute'], [1_000, 'second']];
const SCOPES: Record<LimitEffect['scope'], string> = { grant: 'per grant', session: 'per session', global: 'for everyone' };

/** A window in words: "minute", "15 minutes", "1500 ms". */
export function windowText(ms: number): string {
  const unit = UNITS.find(([size]) => ms % size === 0);
  if (!unit) return `${ms} ms`;
  const count = ms / unit[0];
  return count === 1 ? unit[1] : `${count} ${unit[1]}s`;
}

/** "`sums`: 5 a minute per grant", as a person reads a counter. */
export function limitText({ counter, windowMs, max, scope, incrementFrom }: LimitEffect): string {
  return `${counter}: ${max}${incrementFrom ? ` of ${incrementFrom}` : ' calls'} a ${windowText(windowMs)} ${SCOPES[scope]}`;
}

function conditionText({ kind, path, op, value }: ConditionEffect): string {
  return `${kind === 'deny_if' ? 'denied if' : kind === 'when' ? 'when' : 'requires'} ${path} ${op} ${JSON.stringify(value)}`;
}

/** Why a refusal says what it says: the rule that decides it, in words where it is no pointer. */
function refusalText(effect: ToolEffect): string | undefined {
  if (effect.effect === 'hidden') return 'Not listed; every call refused.';
  if (effect.rule === '(default deny)') return 'Not in the policy, whose default is deny.';
  if (effect.rule === '(no policy)') return 'The server has no policy.';
  return effect.message === undefined ? undefined : `The agent reads: “${effect.message}”`;
}

/** What the policy does to a tool: a badge, then what a person needs to know of it (its counters, conditions, message). */
export function EffectSummary({ effect }: { effect: ToolEffect }) {
  const details = [
    refusalText(effect),
    effect.approval && `A person approves each call${effect.approval.timeoutMs ? ` (within ${windowText(effect.approval.timeoutMs)})` : ''}.`,
    ...(effect.approval?.when ?? []).map(conditionText),
    ...(effect.limits ?? []).map(limitText),
    ...(effect.conditions ?? []).map(conditionText),
    !effect.enforced && 'Shadow mode: refusals are only logged.',
  ].filter((line): line is string => typeof line === 'string');
  return (
    <div class="effect">
      <span class={`badge effect-${effect.effect}`}>{WORDS[effect.effect]}</span>
      {details.length > 0 && (
        <ul class="effect-details">
          {details.map((line) => (
            <li key={line}>{line}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
