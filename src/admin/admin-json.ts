import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { documentWords } from '../documents/issue-words.js';
import { APPROVAL_STATES } from '../approvals/approval.js';
import { AUDIT_DECISIONS } from '../audit/audit-record.js';
import { AUDIT_KINDS } from '../audit/audit-sink.js';
import { toMilliseconds } from '../policy/duration.js';
import { HttpError } from '../http/http-error.js';
import { RECENT_MINUTES } from '../observability/recent-activity.js';

const SERVERS = 'expected an array of server names';

/** Milliseconds in a duration like "30d", or undefined. */
function milliseconds(text: string): number | undefined {
  try {
    const ms = toMilliseconds(text);
    // Also refuses amounts too large to add to a time.
    return Number.isSafeInteger(ms) ? ms : undefined;
  } catch {
    return undefined;
  }
}

function duration(minimumMs: number) {
  const message = `expected a duration like "30d", "12h" or "90m"${minimumMs > 0 ? ', longer than zero' : ''}`;
  return z.string({ error: message }).transform((text, ctx) => {
    const ms = milliseconds(text);
    if (ms !== undefined && ms >= minimumMs) return ms;
    ctx.addIssue({ code: 'custom', message });
    return z.NEVER;
  });
}

/**
 * `POST /admin/grants`. Unknown fields are refused rather than ignored, so a misspelt `expires` cannot create a grant
 * that never expires. What a label or a server list must be is Grants' to say.
 */
export const newGrantRequest = z
  .strictObject({
    label: z.string({ error: (issue) => (issue.input === undefined ? 'required' : 'expected a grant label (a string)') }),
    // Required, as `--server` is: a grant reaches every server only when that is asked for.
    servers: z.array(z.string({ error: SERVERS }), { error: (issue) => (issue.input === undefined ? 'required: the servers the grant may reach, or ["*"] for every server' : SERVERS) }),
    policy: z.string({ error: 'expected a policy file path' }).min(1, { error: 'expected a policy file path' }).optional(),
    expires: duration(1).optional(),
    expiresAt: z.iso
      .datetime({ offset: true, error: 'expected an ISO 8601 time with its zone, like 2030-01-31T12:00:00Z' })
      .transform((text) => Date.parse(text))
      .optional(),
  })
  .refine((body) => body.expires === undefined || body.expiresAt === undefined, { path: ['expires'], error: 'give expires or expiresAt, not both' });

/** `POST /admin/grants/:label/rotate`: how long the grant's other tokens keep working (none by default). */
export const rotateRequest = z.strictObject({ grace: duration(0).optional() });

/** A time in a query string: an ISO time with a zone, or milliseconds since the epoch. */
const time = z.string().transform((text, ctx) => {
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (Number.isSafeInteger(ms)) return ms;
  ctx.addIssue({ code: 'custom', message: 'expected an ISO time (2026-11-29T10:00:00Z) or milliseconds since the epoch' });
  return z.NEVER;
});
const count = (min: number, max: number) => z.coerce.number({ error: `expected a whole number from ${min} to ${max}` }).int().min(min).max(max);

/** `GET /admin/audit`'s query string: the filters of `toolgate audit tail`, which kind of entry, and paging. */
export const auditQuery = z.strictObject({
  grant: z.string().min(1).optional(),
  tool: z.string().min(1).optional(),
  server: z.string().min(1).optional(),
  decision: z.enum(AUDIT_DECISIONS).optional(),
  since: time.optional(),
  until: time.optional(),
  kind: z.enum(AUDIT_KINDS, { error: `expected ${AUDIT_KINDS.join(', ')}` }).optional(),
  limit: count(1, 1_000).default(100),
  after: count(0, Number.MAX_SAFE_INTEGER).optional(),
  order: z.enum(['asc', 'desc']).default('desc'),
});

/** `GET /admin/catalog`'s query string: one server, or every one. */
export const catalogQuery = z.strictObject({ server: z.string().min(1).optional() });

/** `GET /admin/approvals`'s query string: the filters of `toolgate approvals list`, and how many. */
export const approvalsQuery = z.strictObject({
  state: z.enum([...APPROVAL_STATES, 'all'], { error: `expected ${APPROVAL_STATES.join(', ')} or all` }).default('pending'),
  server: z.string().min(1).optional(),
  grant: z.string().min(1).optional(),
  limit: count(1, 1_000).default(100),
});

/** `POST /admin/approvals/:id/approve|deny`: why, recorded with the decision and shown to the agent on a denial. */
export const decisionRequest = z.strictObject({ reason: z.string({ error: 'expected a reason (a string)' }).min(1, { error: 'expected a reason, or no reason field' }).max(1_000).optional() });

const text = (what: string) => z.string({ error: `expected ${what} (a string)` }).min(1, { error: `expected ${what}, not an empty string` });
/** A window or a timeout as the policy language writes one ("minute", "15m", or seconds); the policy schema checks which. */
const span = z.union([z.string(), z.number()], { error: 'expected a duration like "minute" or "15m", or a number of seconds' });

/**
 * `PUT /admin/policies/:server/tools/:tool`: the rule to set (policy/set-tool-rule.ts). Each rule takes only its own
 * fields; what their values must be (a window, a counter's name) is the policy schema's to say once the rule is in
 * the document, at its pointer there.
 */
export const toolRuleRequest = z.discriminatedUnion(
  'rule',
  [
    z.strictObject({ rule: z.literal('allow') }),
    z.strictObject({ rule: z.literal('deny'), message: text('the message the agent reads').optional() }),
    z.strictObject({
      rule: z.literal('limit'),
      counter: text('a counter name'),
      window: span,
      max: z.number({ error: 'expected the most calls the window allows (a number)' }),
      scope: z.enum(['grant', 'session', 'global'], { error: 'expected grant, session or global' }).optional(),
    }),
    z.strictObject({
      rule: z.literal('approval'),
      message: text('the message the approver reads').optional(),
      timeout: span.optional(),
      approvers: z.array(text('an approver name or group:<name>')).optional(),
      quorum: z.number({ error: 'expected how many approvers must agree (a number)' }).optional(),
    }),
  ],
  { error: 'expected "rule": "allow", "deny", "limit" or "approval"' },
);

/** `POST /admin/policies/:server/rollback`: the kept version to go back to (the newest by default). */
export const rollbackRequest = z.strictObject({ to: z.number({ error: 'expected a version number' }).int({ error: 'expected a version number' }).min(1, { error: 'expected a version number' }).optional() });

/** `POST /admin/policies/:server/explain`: a call, as `toolgate policy explain` takes it. */
export const explainRequest = z.strictObject({
  tool: text('the tool called'),
  arguments: z.record(z.string(), z.unknown(), { error: 'expected the call\'s arguments (an object)' }).optional(),
});

/** The request's query string as the schema reads it, or a 400 naming each parameter that is wrong. */
export function validateQuery<T extends z.ZodType>(schema: T, req: IncomingMessage): z.output<T> {
  return validate(schema, Object.fromEntries(new URL(req.url ?? '/', 'http://admin').searchParams));
}

/** The body as the schema reads it, or a 400 naming each field that is wrong. */
export function validate<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  const parsed = schema.safeParse(body, { error: documentWords });
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => (issue.path.length > 0 ? `${String(issue.path[0])}: ${issue.message}` : issue.message));
  throw new HttpError(400, problems.join('; '));
}

/** `POST /console/session`: the admin credential, traded once for a session cookie. */
export const signInRequest = z.strictObject({ token: z.string({ error: 'expected the admin token (a string)' }).min(1, { error: 'expected the admin token' }) });

/** `GET /admin/overview`'s query string: how many of the last minutes, and how many tools in each top list. */
export const overviewQuery = z.strictObject({ minutes: count(1, RECENT_MINUTES).default(RECENT_MINUTES), top: count(1, 100).default(10) });
