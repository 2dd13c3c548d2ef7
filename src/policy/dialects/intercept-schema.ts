import { z } from 'zod';
import { namedRecord } from '../../documents/named-record.js';
import { OPERATORS } from '../schema.js';

/**
 * What an Intercept policy file may say (PolicyLayer's open-source proxy): `tools.<name>.rules[]` with `name`,
 * `action` (evaluate | deny), `conditions` on `args.*` and `state.*`, `on_deny`, `rate_limit: "30/minute"` and
 * `state` counters; `"*"` for rules on every tool; `default` allow unless it says deny.
 */

export const condition = z.strictObject({
  path: z.string().regex(/^(args|state)\./, { message: 'path must start with "args." or "state."' }),
  op: z.enum(OPERATORS, { message: `expected one of ${OPERATORS.join(', ')}` }),
  value: z.unknown().optional(),
});

export const rule = z
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

export type InterceptDocument = z.output<typeof interceptSchema>;
export type InterceptRule = z.output<typeof rule>;
export type InterceptCondition = z.output<typeof condition>;
