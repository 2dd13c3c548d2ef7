import { z } from 'zod';
import { namedRecord } from '../../documents/named-record.js';
import { OPERATORS, type PolicyInput } from '../schema.js';
import { segment } from '../compile.js';
import type { Conversion } from './conversion.js';

/**
 * Intercept's YAML policies (PolicyLayer's open-source proxy): `tools.<name>.rules[]` with `name`, `action`
 * (evaluate | deny), `conditions` on `args.*` and `state.*`, `on_deny`, `rate_limit: "30/minute"` and `state`
 * counters; `"*"` for rules on every tool; `default` allow unless it says deny.
 */

const condition = z.strictObject({
  path: z.string().regex(/^(args|state)\./, { message: 'path must start with "args." or "state."' }),
  op: z.enum(OPERATORS, { message: `expected one of ${OPERATORS.join(', ')}` }),
  value: z.unknown().optional(),
});

const rule = z
  .strictObject({
    name: z.string().min(1, { message: 'rule must have a name' }),
    action: z.enum(['evaluate', 'deny'], { message: 'action must be "evaluate" or "deny"' }).default('evaluate'),
    conditions: z.array(condition).optional(),
    on_deny: z.string().optional(),
    rate_limit: z.string().regex(/^[1-9]\d*\/(minute|hour|day)$/, { message: 'expected "<count>/<window>" with window minute, hour or day' }).optional(),
    state: z
      .strictObject({
        counter: z.string().min(1),
        window: z.enum(['minute', 'hour', 'day'], { message: 'window must be minute, hour or day' }),
        increment: z.number().positive().optional(),
        increment_from: z.string().regex(/^args\./).optional(),
      })
      .optional(),
  })
  .superRefine((r, ctx) => {
    const fail = (message: string, path: string) => ctx.addIssue({ code: 'custom', message, path: [path] });
    if (r.action === 'deny' && r.conditions?.length) fail('deny rules must not have conditions', 'conditions');
    if (r.action === 'deny' && r.rate_limit) fail('rate_limit cannot be used with action "deny"', 'rate_limit');
    if (r.rate_limit && (r.conditions || r.state)) fail('rate_limit cannot be combined with conditions or state', 'rate_limit');
    if (r.action === 'evaluate' && !r.rate_limit && !r.conditions?.length) fail('evaluate rules must have at least one condition', 'conditions');
  });

export const interceptSchema = z.strictObject({
  version: z.literal('1', { message: 'version must be "1"' }),
  description: z.string().optional(),
  default: z.enum(['allow', 'deny'], { message: 'default must be "allow" or "deny"' }).default('allow'),
  hide: z.array(z.string().min(1, { message: 'entry must not be empty' })).optional(),
  tools: namedRecord(z.string(), z.strictObject({ rules: z.array(rule) })),
});

type InterceptRule = z.output<typeof rule>;

export function fromIntercept(document: z.output<typeof interceptSchema>): Conversion {
  const notes: string[] = [];
  const origins = new Map<string, string>();
  // No prototype: a tool named __proto__ is an entry like any other, not a change of prototype.
  const tools: NonNullable<PolicyInput['tools']> = Object.create(null);
  let allTools: PolicyInput['all_tools'];
  for (const [name, { rules }] of Object.entries(document.tools)) {
    const wildcard = name === '*';
    const target = `${wildcard ? '/all_tools' : `/tools/${segment(name)}`}`;
    const entry: NonNullable<PolicyInput['tools']>[string] = {};
    rules.forEach((r: InterceptRule, i) => {
      const source = `/tools/${segment(name)}/rules/${i}`;
      if (r.action === 'deny') {
        if (wildcard) entry.deny_if = [...(entry.deny_if ?? []), { path: 'args', op: 'exists', ...(r.on_deny && { on_deny: r.on_deny }) }];
        else {
          entry.deny = true;
          entry.on_deny ??= r.on_deny;
        }
        origins.set(target, source);
        return;
      }
      // Intercept counts per tool (or `_global` for "*"), for everyone: global scope keeps that meaning.
      const scopeName = wildcard ? '_global' : name;
      if (r.rate_limit) {
        const [count, window] = r.rate_limit.split('/') as [string, 'minute' | 'hour' | 'day'];
        const limits = (entry.limits ??= []);
        origins.set(`${target}/limits/${limits.length}`, `${source}/rate_limit`);
        limits.push({
          counter: `${scopeName}._rate_${window}`,
          window,
          max: Number(count),
          scope: 'global',
          on_deny: r.on_deny ?? `Rate limit of ${count} per ${window} reached. Try again later.`,
        });
        return;
      }
      r.conditions?.forEach((c, j) => {
        if (c.path.startsWith('args.')) {
          const require = (entry.require ??= []);
          origins.set(`${target}/require/${require.length}`, `${source}/conditions/${j}`);
          require.push({ path: c.path, op: c.op, ...(c.value !== undefined && { value: c.value }), ...(r.on_deny && { on_deny: r.on_deny }) });
          return;
        }
        const limits = (entry.limits ??= []);
        origins.set(`${target}/limits/${limits.length}`, `${source}/conditions/${j}`);
        limits.push(stateLimit(r, c, scopeName, `${source}/conditions/${j}`, notes));
      });
    });
    if (wildcard) allTools = entry;
    else tools[name] = entry;
  }
  if (Object.values(tools).some((t) => t.limits?.length) || allTools?.limits?.length) {
    notes.push('Intercept windows are calendar-aligned (a new minute resets the count); Toolgate windows roll, so no 60 seconds ever see more than the limit: stricter at window edges.');
  }
  return {
    dialect: 'intercept',
    policy: {
      version: '1',
      default: document.default,
      ...(document.description !== undefined && { description: document.description }),
      ...(document.hide && { hide: document.hide }),
      ...(allTools && { all_tools: allTools }),
      tools,
    },
    notes,
    origins,
  };
}

/** `state.<scope>.<counter> lte N` with a `state` block is a limit of N per window, counted before the call. */
function stateLimit(r: InterceptRule, c: z.output<typeof condition>, scopeName: string, source: string, notes: string[]) {
  const [, scope, counter] = c.path.split('.');
  if (!r.state || counter !== r.state.counter || (scope !== scopeName && scope !== '_global')) {
    throw new ConversionProblem(`${source}/path`, `a condition on ${c.path} needs a state block naming counter "${counter}" in the same rule`);
  }
  if ((c.op !== 'lte' && c.op !== 'lt') || typeof c.value !== 'number') {
    throw new ConversionProblem(`${source}/op`, 'only "lte" and "lt" with a number can limit a state counter');
  }
  // Intercept refuses a call whose count after it would break the condition: `lte N` allows N, `lt N` allows N - 1.
  const max = c.op === 'lte' ? c.value : c.value - 1;
  if (c.op === 'lt' && r.state.increment_from) notes.push(`${source}: "lt ${c.value}" on a spend counter becomes max ${max}, which refuses amounts up to 1 unit earlier than Intercept would.`);
  return {
    counter: `${scope}.${counter}`,
    window: r.state.window,
    max,
    scope: 'global' as const,
    ...(r.state.increment !== undefined && { increment: r.state.increment }),
    ...(r.state.increment_from !== undefined && { increment_from: r.state.increment_from }),
    ...(r.on_deny && { on_deny: r.on_deny }),
  };
}

/** A rule that is valid Intercept but has no faithful canonical form; located in the source document. */
export class ConversionProblem extends Error {
  constructor(
    readonly pointer: string,
    message: string,
  ) {
    super(message);
  }
}
