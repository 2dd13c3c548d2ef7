import { z } from 'zod';
import { namedRecord } from '../documents/named-record.js';

/**
 * The canonical policy document, version "1": PolicyLayer's hosted-gateway format (`version`, `default`, `hide`,
 * `all_tools`, `tools` with `require` / `deny_if` / `limits` / `on_deny`), plus Toolgate's extensions, each
 * optional: `deny` (a tool listed but every call refused), `approval`, `mode: "shadow"`, `methods`, a message, a rule
 * name and a way of comparing (`compare`) per condition, a name per limit, and `description`. Other dialects are converted into this shape before it is validated.
 */

export const OPERATORS = ['eq', 'neq', 'in', 'not_in', 'lt', 'lte', 'gt', 'gte', 'regex', 'contains', 'exists'] as const;
export type Operator = (typeof OPERATORS)[number];

/** `args`, then `.key`, `["key"]`, `[0]` or `[*]` (every element) steps into the call's arguments. */
export const ARGUMENT_PATH = /^args(?:\.[A-Za-z_$][\w$-]*|\[(?:\d+|\*|"(?:[^"\\]|\\.)*")\])*$/;

const path = z.string().regex(ARGUMENT_PATH, {
  message: 'expected a path into the arguments like "args.amount", "args.items[0].sku" or "args.tags[*]"',
});

const condition = z
  .strictObject({
    path,
    op: z.enum(OPERATORS, { message: `expected one of ${OPERATORS.join(', ')}` }),
    value: z.unknown().optional(),
    /** Toolgate extension: the message an agent reads when this condition refuses the call. */
    on_deny: z.string().min(1).optional(),
    /**
     * Toolgate extension: `exact` compares as Intercept does (a number with a number, anything else by its printed
     * text; null is a value) and holds only when the coercing reading (the default, coercion.ts) does not refuse
     * the argument either. A `deny_if` refuses when either reading says it holds. Never "mistyped": a plain failure.
     */
    compare: z.enum(['coerce', 'exact'], { message: 'expected coerce or exact' }).optional(),
    /** Toolgate extension: the name of the rule this comes from, carried by the decision and kept in the audit log. */
    name: z.string().optional(),
  })
  .superRefine((c, ctx) => {
    const problem = valueProblem(c.op, c.value, c.compare === 'exact');
    if (problem) ctx.addIssue({ code: 'custom', path: ['value'], message: problem });
  });

/** An argument that is null is taken as absent, so a condition can never see null (unless it compares exactly). */
const NULL_VALUE = 'null stands for an absent argument; use "exists" to require or refuse one, or compare: exact to compare with null';

function valueProblem(op: Operator, value: unknown, nullIsValue: boolean): string | undefined {
  switch (op) {
    case 'in':
    case 'not_in':
      if (!Array.isArray(value)) return `operator "${op}" needs a list`;
      return value.includes(null) && !nullIsValue ? NULL_VALUE : undefined;
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : `operator "${op}" needs a number`;
    case 'regex':
      return typeof value === 'string' ? undefined : 'operator "regex" needs a pattern string';
    case 'exists':
      return value === undefined || typeof value === 'boolean' ? undefined : 'operator "exists" takes true or false';
    default:
      if (value === null) return nullIsValue ? undefined : NULL_VALUE;
      return value === undefined ? `operator "${op}" needs a value` : undefined;
  }
}

/** second, minute, hour, day; or a duration like "90s", "15m", "2h", "1d"; or a number of seconds. */
export const WINDOW = /^(second|minute|hour|day|\d+(?:ms|s|m|h|d))$/;
const notAWindow = (issue: { input?: unknown }) =>
  `${JSON.stringify(issue.input)} is not a window; expected second, minute, hour, day, a duration like "15m", or a number of seconds`;
const window = z.union([z.string().regex(WINDOW, { error: notAWindow }), z.number().positive({ error: notAWindow })], { error: notAWindow });

const limit = z
  .strictObject({
    counter: z.string().regex(/^[\w.:-]+$/, { message: 'a counter name uses letters, digits, "_", ".", ":" and "-"' }),
    window,
    max: z.number().nonnegative({ message: 'max must be greater than 0' }),
    scope: z.enum(['grant', 'session', 'global'], { message: 'expected grant, session or global' }).default('grant'),
    /**
     * A fixed amount each call counts for (default 1). 0 makes a limit that only reads its counter (counted by
     * another limit of the same name): the call is refused while the count already exceeds max.
     */
    increment: z.number().nonnegative().optional(),
    /** Counts the value at this path instead: a spend counter. */
    increment_from: path.optional(),
    /** Toolgate extension: the message an agent reads when this limit refuses the call. */
    on_deny: z.string().min(1).optional(),
    /** Toolgate extension: the name of the rule this comes from, carried by the refusal and kept in the audit log. */
    name: z.string().optional(),
  })
  .refine((l) => l.increment === undefined || l.increment_from === undefined, {
    message: 'use either increment or increment_from, not both',
    path: ['increment_from'],
  })
  .refine((l) => l.max > 0 || l.increment === 0, { message: 'max must be greater than 0 (0 only where increment is 0)', path: ['max'] });

const notADuration = (issue: { input?: unknown }) => `${JSON.stringify(issue.input)} is not a duration; expected one like "15m" or a number of seconds`;
/** A duration as policies and the configuration write it (policy/duration.ts reads it). */
export const duration = z.union([z.string().regex(/^\d+(?:ms|s|m|h|d)$/, { error: notADuration }), z.number().positive({ error: notADuration })], {
  error: notADuration,
});

/** Who may approve: a name (an admin credential's label, a JWT subject) or `group:<name>`. */
const approver = z.string().regex(/^(group:)?[A-Za-z0-9][A-Za-z0-9._@-]*$/, { message: 'expected an approver name or group:<name>' });

/**
 * Toolgate extension: hold the call for a human, always or when the conditions hold; `approvers` (any approver when
 * absent), `quorum` distinct approvals, and how the agent waits (`hold` the call open, or `retry` it once approved;
 * by default, hold when the client sent a progress token).
 */
const approval = z.union([
  z.literal(true),
  z.strictObject({
    when: z.array(condition).optional(),
    timeout: duration.optional(),
    message: z.string().min(1).optional(),
    approvers: z.array(approver).min(1).optional(),
    quorum: z.number().int().min(1).max(10).optional(),
    wait: z.enum(['hold', 'retry'], { message: 'expected hold or retry' }).optional(),
  }),
]);

const mode = z.enum(['enforce', 'shadow'], { message: 'expected enforce or shadow' });

/** Toolgate extension: what the audit log keeps of a call's arguments (top-level keys unless this says more). */
const audit = z.strictObject({ args: z.enum(['keys', 'full', 'redacted'], { message: 'expected keys, full or redacted' }) });

const ruleFields = {
  require: z.array(condition).optional(),
  deny_if: z.array(condition).optional(),
  limits: z.array(limit).optional(),
  on_deny: z.string().min(1).optional(),
  approval: approval.optional(),
  mode: mode.optional(),
  audit: audit.optional(),
};

const toolRule = z.strictObject({
  ...ruleFields,
  /** PolicyLayer's "Deny" state: the tool stays listed, every call is refused. */
  deny: z.boolean().optional(),
  /** Toolgate extension: a note for the people who read the policy (`toolgate init` writes the tool's class and why). */
  description: z.string().optional(),
});

/**
 * Methods other than tools/call and tools/list: MCP methods are allowed unless the policy says otherwise; any other
 * (an extension, `x-vendor/sync`) passes only where it is named exactly.
 */
const methodName = z
  .string()
  .regex(/^[A-Za-z][\w.*-]*(?:\/[\w.*-]+)*$|^\*$/, { message: 'expected a method like "resources/read", an extension like "x-vendor/sync", or a pattern like "prompts/*"' })
  .refine((m) => !m.startsWith('tools/'), { message: 'tools are governed by "tools", "hide" and "default", not "methods"' });

export const policySchema = z.strictObject({
  version: z.literal('1', { message: 'version must be "1"' }),
  default: z.enum(['allow', 'deny'], { message: 'default must be "allow" or "deny"' }),
  description: z.string().optional(),
  mode: mode.optional(),
  hide: z.array(z.string().min(1, { message: 'a hidden tool name must not be empty' })).optional(),
  all_tools: z.strictObject(ruleFields).optional(),
  tools: namedRecord(z.string().min(1, { message: 'a tool name must not be empty' }), toolRule).optional(),
  methods: namedRecord(methodName, z.enum(['allow', 'deny'], { message: 'expected allow or deny' })).optional(),
});

export type PolicyDocument = z.output<typeof policySchema>;
export type PolicyInput = z.input<typeof policySchema>;
export type ConditionDocument = z.output<typeof condition>;
export type LimitDocument = z.output<typeof limit>;
export type ToolRuleDocument = z.output<typeof toolRule>;
export type RuleDocument = z.output<z.ZodObject<typeof ruleFields>>;
