import { z } from 'zod';
import { segment, type Problem } from '../../documents/errors.js';
import { namedRecord } from '../../documents/named-record.js';
import { pathTo } from '../argument-path.js';
import { compilePattern } from '../conditions.js';
import { OPERATORS, type Operator } from '../schema.js';

/**
 * What an Intercept policy file may say (PolicyLayer's open-source proxy): `tools.<name>.rules[]` with `name`,
 * `action` (evaluate | deny), `conditions` on `args.*` and `state.*`, `on_deny`, `rate_limit: "30/minute"` and
 * `state` counters; `"*"` for rules on every tool; `default` allow unless it says deny.
 *
 * Read as Intercept reads it (internal/config: plain yaml.Unmarshal, applyDefaults, then Validate collecting every
 * error): unknown fields are ignored, a scalar in a text field is its text and null is empty, empty fields take
 * their defaults. The checks then run on the whole document in one pass, so every error is reported at once.
 */

/** yaml.v3 reads any scalar into a text field as its text, and null (or nothing) as Go's empty string. */
const text = z.preprocess((v) => (v === null || v === undefined ? '' : typeof v === 'number' || typeof v === 'boolean' ? String(v) : v), z.string());

/** A Go `int` from YAML: a float is cut to its whole part, null is 0. */
const int = z.preprocess((v) => (v === null || v === undefined ? 0 : v), z.number().finite().transform(Math.trunc));

const condition = z.object({ path: text, op: text, value: z.unknown().optional() });

const state = z.object({ counter: text, window: text, increment: int, increment_from: text });

const rule = z.object({ name: text, action: text, rate_limit: text, conditions: z.array(condition).nullish(), on_deny: text, state: state.nullish() });

/** `t: {}`, `t: ~` and `rules: ~` are all a tool with no rules. */
const tool = z.preprocess((v) => v ?? {}, z.object({ rules: z.array(rule).nullish() }));

const document = z.object({
  version: text,
  description: text,
  default: text,
  hide: z.array(text).nullish(),
  tools: z.preprocess((v) => v ?? {}, namedRecord(z.string(), tool)),
});

type Read = z.output<typeof document>;
type ReadRule = z.output<typeof rule>;

export const WINDOWS = ['minute', 'hour', 'day'] as const;
export type Window = (typeof WINDOWS)[number];
const INT64_MAX = 2n ** 63n - 1n;

/** `"<count>/<window>"` as Intercept's parseRateLimit reads it: the count as Go's strconv.Atoi does (`05`, `+5`). */
export function parseRateLimit(value: string): { count: number; window: Window } | { problem: string } {
  const slash = value.indexOf('/');
  if (slash < 0) return { problem: `rate_limit must be "<count>/<window>", like "5/hour"; got ${JSON.stringify(value)}` };
  const count = value.slice(0, slash);
  const window = value.slice(slash + 1);
  if (!/^[+-]?\d+$/.test(count) || BigInt(count) <= 0n || BigInt(count) > INT64_MAX) {
    return { problem: `rate_limit count must be a whole number from 1 to ${INT64_MAX}, got ${JSON.stringify(count)}` };
  }
  if (!(WINDOWS as readonly string[]).includes(window)) return { problem: `rate_limit window must be minute, hour or day, got ${JSON.stringify(window)}` };
  return { count: Number(count), window: window as Window };
}

/** A rule whose `rate_limit` Intercept turns into a counter: no conditions, no state, not a deny rule, a valid value. */
function rateLimitOf(r: ReadRule) {
  if (r.rate_limit === '' || r.conditions?.length || r.state || r.action === 'deny') return undefined;
  const parsed = parseRateLimit(r.rate_limit);
  return 'problem' in parsed ? undefined : parsed;
}

/** The counter a rule keeps, its rate limit's included (Intercept names it `_rate_<window>`). */
function counterOf(r: ReadRule): string | undefined {
  const rate = rateLimitOf(r);
  return rate ? `_rate_${rate.window}` : r.state?.counter;
}

/** The tool whose rules a `state.<tool>.<counter>` path names: `_global` is the `*` tool's, unless a tool has that name. */
export function stateOwner<T>(tools: Record<string, T>, name: string): { key: string; tool: T } | undefined {
  if (Object.hasOwn(tools, name)) return { key: name, tool: tools[name]! };
  return name === '_global' && Object.hasOwn(tools, '*') ? { key: '*', tool: tools['*']! } : undefined;
}

/**
 * Intercept splits an `args.` path at each `.` and reads each part as a key of a map (`args.items[0]` is the key
 * `items[0]`, `args.items.0` the key `0`, `args.` the key ""), so each part becomes a key, in bracket form where it must.
 */
export function argumentPath(path: string): string {
  return pathTo(...path.slice('args.'.length).split('.'));
}

/** `state.<tool>.<counter>` split as Intercept splits it (the counter may hold dots); undefined for a shorter path. */
export function statePath(path: string): { tool: string; counter: string } | undefined {
  const [, tool, ...counter] = path.split('.');
  return counter.length > 0 ? { tool: tool!, counter: counter.join('.') } : undefined;
}

const NUMERIC: readonly string[] = ['lt', 'lte', 'gt', 'gte'];

/** Intercept's Validate, every check it makes, each at the place it concerns. */
function validate(doc: Read, ctx: z.RefinementCtx): void {
  const fail = (path: PropertyKey[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  if (doc.version !== '1') fail(['version'], `version must be "1", got ${JSON.stringify(doc.version)}`);
  if (!['', 'allow', 'deny'].includes(doc.default)) fail(['default'], `default must be "allow" or "deny", got ${JSON.stringify(doc.default)}`);
  const seen = new Map<string, number>();
  (doc.hide ?? []).forEach((name, i) => {
    if (name.trim() === '') return fail(['hide', i], 'entry must not be empty');
    if (seen.has(name)) return fail(['hide', i], `duplicate entry ${JSON.stringify(name)} (also hide/${seen.get(name)})`);
    seen.set(name, i);
  });
  for (const [name, { rules }] of Object.entries(doc.tools)) {
    const counters = new Map<string, number>();
    (rules ?? []).forEach((r, i) => {
      const at = ['tools', name, 'rules', i];
      const counter = counterOf(r);
      if (counter !== undefined && counters.has(counter)) fail(at, `duplicate state counter ${JSON.stringify(counter)} (also used by rules/${counters.get(counter)})`);
      else if (counter !== undefined) counters.set(counter, i);
      validateRule(doc, r, at, fail);
    });
  }
}

function validateRule(doc: Read, r: ReadRule, at: PropertyKey[], fail: (path: PropertyKey[], message: string) => void): void {
  if (r.rate_limit !== '' && !rateLimitOf(r)) {
    // Intercept checks nothing else in a rate-limit rule it could not turn into a counter.
    const parsed = parseRateLimit(r.rate_limit);
    if ('problem' in parsed) fail([...at, 'rate_limit'], parsed.problem);
    if (r.conditions?.length || r.state) fail([...at, 'rate_limit'], 'rate_limit cannot be combined with conditions or state');
    if (r.action === 'deny') fail([...at, 'rate_limit'], 'rate_limit cannot be used with action "deny"');
    return;
  }
  const action = r.action === '' || r.rate_limit !== '' ? 'evaluate' : r.action;
  const conditions = r.conditions ?? [];
  if (r.name === '') fail([...at, 'name'], 'rule must have a name');
  if (action !== 'evaluate' && action !== 'deny') fail([...at, 'action'], `action must be "evaluate" or "deny", got ${JSON.stringify(action)}`);
  if (action === 'deny' && conditions.length > 0) fail([...at, 'conditions'], 'deny rules must not have conditions');
  if (action === 'evaluate' && conditions.length === 0 && r.rate_limit === '') fail([...at, 'conditions'], 'evaluate rules must have at least one condition');
  conditions.forEach((c, j) => {
    const place = [...at, 'conditions', j];
    if (!c.path.startsWith('args.') && !c.path.startsWith('state.')) fail([...place, 'path'], `path must start with "args." or "state.", got ${JSON.stringify(c.path)}`);
    const problem = valueProblem(c.op, c.value);
    if (problem) fail([...place, problem.field], problem.message);
    const read = c.path.startsWith('state.') ? statePath(c.path) : undefined;
    const owner = read && stateOwner(doc.tools, read.tool);
    if (read && !owner?.tool.rules?.some((other) => counterOf(other) === read.counter)) {
      fail([...place, 'path'], `${c.path} reads counter ${JSON.stringify(read.counter)} of ${read.tool === '_global' ? 'the "*" tool' : `tool ${JSON.stringify(read.tool)}`}, but no rule there has a state block with that counter`);
    }
  });
  if (r.state) {
    if (r.state.counter === '') fail([...at, 'state', 'counter'], 'counter must not be empty');
    if (!(WINDOWS as readonly string[]).includes(r.state.window)) fail([...at, 'state', 'window'], `window must be minute, hour or day, got ${JSON.stringify(r.state.window)}`);
    if (r.state.increment_from !== '' && !r.state.increment_from.startsWith('args.')) fail([...at, 'state', 'increment_from'], `increment_from must start with "args.", got ${JSON.stringify(r.state.increment_from)}`);
  }
}

/** validateCondition's checks of an operator and its value. */
function valueProblem(op: string, value: unknown): { field: 'op' | 'value'; message: string } | undefined {
  const problem = (message: string) => ({ field: 'value' as const, message });
  if (!(OPERATORS as readonly string[]).includes(op)) return { field: 'op', message: `unknown operator ${JSON.stringify(op)}; expected one of ${OPERATORS.join(', ')}` };
  if ((op === 'in' || op === 'not_in') && !Array.isArray(value)) return problem(`operator "${op}" needs a list`);
  if (NUMERIC.includes(op) && typeof value !== 'number') return problem(`operator "${op}" needs a number`);
  if (op === 'exists' && typeof value !== 'boolean') return problem('operator "exists" takes true or false');
  if (op === 'regex' && typeof value !== 'string') return problem('operator "regex" needs a pattern string');
  if (op === 'regex') {
    try {
      compilePattern(value as string);
    } catch (error) {
      return problem(`invalid regex ${JSON.stringify(value)}: ${(error as Error).message}`);
    }
  }
  return undefined;
}

export interface InterceptCondition {
  path: string;
  op: Operator;
  /** A condition written without a value compares with null, as Intercept's does (Go's nil). */
  value: unknown;
}

export interface InterceptState {
  counter: string;
  window: Window;
  /** What each call counts, when `increment_from` is not given (0 and nothing read as 1). */
  increment?: number;
  increment_from?: string;
}

export interface InterceptRule {
  name: string;
  action: 'evaluate' | 'deny';
  conditions?: InterceptCondition[];
  on_deny?: string;
  /** Only a rate limit Intercept turns into a counter: `"<count>/<window>"`, the count as Atoi reads it. */
  rate_limit?: string;
  state?: InterceptState;
}

export interface InterceptDocument {
  version: '1';
  description?: string;
  default: 'allow' | 'deny';
  hide?: string[];
  tools: Record<string, { rules: InterceptRule[] }>;
}

/** The validated document with Intercept's defaults filled in (applyDefaults): empty fields are absent. */
function withDefaults(doc: Read): InterceptDocument {
  const tools: InterceptDocument['tools'] = Object.create(null);
  for (const [name, { rules }] of Object.entries(doc.tools)) {
    tools[name] = {
      rules: (rules ?? []).map((r): InterceptRule => ({
        name: r.name,
        action: r.action === 'deny' && r.rate_limit === '' ? 'deny' : 'evaluate',
        ...(r.conditions?.length && { conditions: r.conditions.map((c) => ({ path: c.path, op: c.op as Operator, value: c.value ?? null })) }),
        ...(r.on_deny !== '' && { on_deny: r.on_deny }),
        ...(r.rate_limit !== '' && { rate_limit: r.rate_limit }),
        ...(r.state && {
          state: {
            counter: r.state.counter,
            window: r.state.window as Window,
            // Intercept counts `increment_from` when both are given (handler.go resolveIncrement).
            ...(r.state.increment_from !== '' ? { increment_from: r.state.increment_from } : { increment: r.state.increment || 1 }),
          },
        }),
      })),
    };
  }
  return {
    version: '1',
    default: doc.default === 'deny' ? 'deny' : 'allow',
    ...(doc.description !== '' && { description: doc.description }),
    ...(doc.hide && { hide: doc.hide }),
    tools,
  };
}

export const interceptSchema = document.superRefine(validate).transform(withDefaults);

/**
 * Fields Intercept ignores (it reads with plain yaml.Unmarshal), and so does Toolgate, each located for
 * `policy check` to warn about: a misspelt field would otherwise go unnoticed in both.
 */
export function ignoredFields(raw: unknown): Problem[] {
  const found: Problem[] = [];
  const fields = (value: unknown, known: z.ZodObject, pointer: string): Record<string, unknown> | undefined => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    for (const key of Object.keys(value)) {
      if (!Object.hasOwn(known.shape, key)) found.push({ pointer: `${pointer}/${segment(key)}`, message: `unknown field "${key}" is ignored by Intercept and by Toolgate` });
    }
    return value as Record<string, unknown>;
  };
  const tools = fields(raw, document, '')?.tools;
  const entries = typeof tools === 'object' && tools !== null && !Array.isArray(tools) ? Object.entries(tools) : [];
  for (const [name, entry] of entries) {
    const toolPointer = `/tools/${segment(name)}`;
    if (name === '') found.push({ pointer: toolPointer, message: 'a tool named "" is no tool a server can offer (MCP names are 1 to 128 characters), so its rules never apply' });
    const rules = fields(entry, z.object({ rules: z.unknown() }), toolPointer)?.rules;
    (Array.isArray(rules) ? rules : []).forEach((r, i) => {
      const rulePointer = `${toolPointer}/rules/${i}`;
      const read = fields(r, rule, rulePointer);
      const conditions = read?.conditions;
      (Array.isArray(conditions) ? conditions : []).forEach((c, j) => fields(c, condition, `${rulePointer}/conditions/${j}`));
      const block = fields(read?.state, state, `${rulePointer}/state`);
      const written = (field: string) => block?.[field] !== undefined && block[field] !== null && block[field] !== '' && block[field] !== 0;
      if (written('increment') && written('increment_from')) {
        found.push({ pointer: `${rulePointer}/state/increment`, message: 'increment is ignored: with increment_from, Intercept and Toolgate count the amount that path holds' });
      }
    });
  }
  return found;
}
