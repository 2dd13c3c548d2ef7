import { z } from 'zod';
import { namedRecord } from '../../documents/named-record.js';
import { segment } from '../compile.js';
import type { PolicyInput } from '../schema.js';
import type { Conversion } from './conversion.js';

/**
 * The older rule-list form of PolicyLayer's catalogue pages: `tools.<name>.rules[]` with `action` (allow | deny |
 * require_approval), `reason`, and `rate_limit: {max, window}` where the window is in seconds and the limit is
 * per agent session.
 */

const rule = z.strictObject({
  action: z.enum(['allow', 'deny', 'require_approval'], { message: 'action must be allow, deny or require_approval' }),
  reason: z.string().optional(),
  rate_limit: z
    .strictObject({
      max: z.number().int().positive({ message: 'max must be a whole number greater than 0' }),
      window: z.number().positive({ message: 'window is a number of seconds greater than 0' }),
    })
    .optional(),
});

export const ruleListSchema = z.strictObject({
  version: z.union([z.string(), z.number()]).optional(),
  name: z.string().optional(),
  server: z.string().optional(),
  description: z.string().optional(),
  /** Not in the original form; a document without it denies tools it does not list (see `fromRuleList`). */
  default: z.enum(['allow', 'deny'], { message: 'default must be "allow" or "deny"' }).optional(),
  hide: z.array(z.string().min(1)).optional(),
  tools: namedRecord(z.string(), z.strictObject({ description: z.string().optional(), rules: z.array(rule) })),
});

export function fromRuleList(document: z.output<typeof ruleListSchema>): Conversion {
  const origins = new Map<string, string>();
  const notes: Conversion['notes'] = [];
  // No prototype: a tool named __proto__ is an entry like any other, not a change of prototype.
  const tools: NonNullable<PolicyInput['tools']> = Object.create(null);
  for (const [name, { rules }] of Object.entries(document.tools)) {
    const target = `/tools/${segment(name)}`;
    const entry: NonNullable<PolicyInput['tools']>[string] = {};
    rules.forEach((r, i) => {
      const source = `/tools/${segment(name)}/rules/${i}`;
      if (r.action === 'deny') {
        entry.deny = true;
        entry.on_deny ??= r.reason;
        origins.set(target, source);
      }
      if (r.action === 'require_approval') {
        entry.approval = r.reason ? { message: r.reason } : true;
        origins.set(`${target}/approval`, source);
      }
      if (r.rate_limit) {
        const limits = (entry.limits ??= []);
        origins.set(`${target}/limits/${limits.length}`, `${source}/rate_limit`);
        limits.push({
          counter: `${name}.rate_limit`,
          window: r.rate_limit.window,
          max: r.rate_limit.max,
          scope: 'session',
          ...(r.reason && { on_deny: r.reason }),
        });
      }
    });
    tools[name] = entry;
  }
  if (document.default === undefined) notes.push({ pointer: '', message: 'The rule-list form has no default; tools it does not list are denied (default: "deny").' });
  return {
    dialect: 'rule-list',
    policy: {
      version: '1',
      default: document.default ?? 'deny',
      ...(document.description !== undefined && { description: document.description }),
      ...(document.hide && { hide: document.hide }),
      tools,
    },
    notes,
    origins,
  };
}
