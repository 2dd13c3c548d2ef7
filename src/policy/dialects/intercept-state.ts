import type { Problem } from '../../documents/errors.js';
import type { PolicyInput } from '../schema.js';
import { ConversionProblem } from './conversion.js';
import { ruleDenial } from './intercept-notes.js';
import { argumentPath, parseRateLimit, stateOwner, statePath, type InterceptCondition, type InterceptDocument, type InterceptRule, type Window } from './intercept-schema.js';

type Entry = NonNullable<PolicyInput['tools']>[string];
type Limit = NonNullable<Entry['limits']>[number];
type Condition = NonNullable<Entry['require']>[number];

/** Where one `state.*` condition of an Intercept rule is being converted to, and what it is converted from. */
export interface StateContext {
  readonly document: InterceptDocument;
  /** The key of the tool the rule is written under (`*` for every tool). */
  readonly tool: string;
  readonly rule: InterceptRule;
  /** The pointer of the rule in the source document. */
  readonly source: string;
  /** Adds a limit, or a condition in written order, to the rule's canonical entry; the limit's canonical pointer. */
  limit(limit: Limit, from: string): string;
  require(condition: Condition, from: string): void;
  readonly origins: Map<string, string>;
  readonly notes: Problem[];
}

/** The counter a rule counts in, as Intercept keys it: `<tool>.<counter>`, `_global.<counter>` for the `*` tool. */
const scopeOf = (tool: string) => (tool === '*' ? '_global' : tool);

/** A rule's counter as its rate limit or its state block defines it, if it has one. */
function counterOf(r: InterceptRule): { counter: string; window: Window } | undefined {
  const rate = r.rate_limit === undefined ? undefined : parseRateLimit(r.rate_limit);
  if (rate && 'window' in rate) return { counter: `_rate_${rate.window}`, window: rate.window };
  return r.state;
}

/**
 * The condition a stateful rule's count is limited by (handler.go extractLimit): the first `lt` or `lte` with a
 * number on the rule's own counter. A state block without one counts nothing. A rate limit is such a rule.
 */
function limitCondition(r: InterceptRule, tool: string): InterceptCondition | 'rate_limit' | undefined {
  if (r.rate_limit !== undefined) return 'rate_limit';
  if (!r.state) return undefined;
  const own = `state.${scopeOf(tool)}.${r.state.counter}`;
  return r.conditions?.find((c) => c.path === own && (c.op === 'lt' || c.op === 'lte') && typeof c.value === 'number');
}

/**
 * A `state.<tool>.<counter>` condition. Intercept checks it against the counter's value before the call, and counts
 * only through the rule's own limit (its state block and its first `lte`/`lt` on its own counter, reserved with the
 * call's amount against that limit). So the rule's own limit becomes a canonical limit that counts; any other read of
 * a counter that something counts becomes a limit with `increment: 0`, which only reads it; and a read of a counter
 * nothing counts is a comparison with 0, decided here.
 */
export function stateCondition(ctx: StateContext, c: InterceptCondition, index: number): void {
  const source = `${ctx.source}/conditions/${index}`;
  const { rule } = ctx;
  if (rule.state && limitCondition(rule, ctx.tool) === c) {
    const value = c.value as number;
    // Intercept's limit is the number cut to a whole one, less 1 for `lt` (extractLimit).
    const max = c.op === 'lte' ? Math.trunc(value) : Math.trunc(value) - 1;
    const at = ctx.limit(
      {
        counter: `${scopeOf(ctx.tool)}.${rule.state.counter}`,
        window: rule.state.window,
        max,
        scope: 'global',
        ...(rule.state.increment !== undefined && { increment: rule.state.increment }),
        ...(rule.state.increment_from !== undefined && { increment_from: argumentPath(rule.state.increment_from) }),
        on_deny: rule.on_deny || `Rate limit exceeded for ${rule.name}`,
      },
      source,
    );
    for (const field of ['counter', 'window', 'increment', 'increment_from'] as const) ctx.origins.set(`${at}/${field}`, `${ctx.source}/state/${field}`);
    return;
  }
  const read = statePath(c.path);
  if (!read) return constant(ctx, c, source, `${c.path} names no tool, so Intercept reads it as 0`);
  const owner = stateOwner(ctx.document.tools, read.tool)!;
  const defining = owner.tool.rules.find((r) => counterOf(r)?.counter === read.counter)!;
  const counted = `${scopeOf(owner.key)}.${read.counter}`;
  if (counted !== `${read.tool}.${read.counter}`) {
    return constant(ctx, c, source, `Intercept counts that counter as state.${counted}, so ${c.path} reads 0`);
  }
  if (limitCondition(defining, owner.key) === undefined) {
    return constant(ctx, c, source, `nothing counts ${c.path} (its state block has no "lte" or "lt" with a number on it), so Intercept reads it as 0`);
  }
  if ((c.op !== 'lte' && c.op !== 'lt') || typeof c.value !== 'number') {
    throw new ConversionProblem(
      `${source}/op`,
      `"${c.op}" on ${c.path} compares the count before the call; Toolgate's limits can only cap a count ("lte" or "lt" with a number), so this condition has no canonical form`,
    );
  }
  // Intercept's counts are whole numbers, so "below N" is "at most N rounded up, less 1".
  const max = c.op === 'lte' ? c.value : Math.ceil(c.value) - 1;
  ctx.limit({ counter: counted, window: counterOf(defining)!.window, max, scope: 'global', increment: 0, on_deny: ruleDenial(rule) }, source);
}

/** A condition on a counter that always reads 0: it always holds (left out), or it never does (the rule refuses). */
function constant(ctx: StateContext, c: InterceptCondition, source: string, why: string): void {
  if (holdsForZero(c)) {
    ctx.notes.push({ pointer: source, message: `${why}; the condition always holds, and Toolgate leaves it out.` });
    return;
  }
  ctx.notes.push({ pointer: source, message: `${why}; the condition never holds, so Toolgate refuses every call the rule applies to, as Intercept does.` });
  ctx.require(NEVER(ctx.rule), source);
}

/** A condition no call satisfies, in the rule's name and words: a deny rule, or a rule that can never hold. */
export const NEVER = (r: InterceptRule): Condition => ({ path: 'args', op: 'in', value: [], compare: 'exact', name: r.name, on_deny: ruleDenial(r) });

/** Intercept's operators on the counter value 0 (an int64): equal to 0 or "0"; a number is neither text nor a list. */
function holdsForZero({ op, value }: InterceptCondition): boolean {
  const zero = (v: unknown) => v === 0 || v === '0';
  switch (op) {
    case 'exists':
      return value === true;
    case 'eq':
      return zero(value);
    case 'neq':
      return !zero(value);
    case 'in':
      return (value as unknown[]).some(zero);
    case 'not_in':
      return !(value as unknown[]).some(zero);
    case 'lt':
      return 0 < (value as number);
    case 'lte':
      return 0 <= (value as number);
    case 'gt':
      return 0 > (value as number);
    case 'gte':
      return 0 >= (value as number);
    default:
      return false;
  }
}
