import RE2 from 're2';
import { parsePath, resolvePath } from './argument-path.js';
import { writtenMatcher, writtenNumber } from './as-written.js';
import { AMBIGUOUS, any, matcher, numberOf, type Match } from './coercion.js';
import type { ConditionDocument, Operator } from './schema.js';

/**
 * What a condition says about a call: it holds, it does not, or it cannot be told because an argument has the
 * wrong type for it, or one that servers would read differently (`"1e3"` for a number). The engine refuses the call in that last case, whether the
 * condition was a `require` or a `deny_if`: an agent must not slip past a rule by changing a value's type.
 */
export type Outcome = 'holds' | 'fails' | 'mistyped';

export interface CompiledCondition {
  /** JSON pointer to the condition in the policy. */
  readonly pointer: string;
  readonly path: string;
  readonly op: Operator;
  readonly value: unknown;
  readonly message?: string;
  /** The rule the condition belongs to, when the policy names it. */
  readonly name?: string;
  /** For `require`: every value the path reaches must satisfy it, and there must be one. */
  required(args: unknown): Outcome;
  /** For `deny_if`: it holds when any value the path reaches satisfies it. */
  triggered(args: unknown): Outcome;
  /** What a mistyped argument should have been, for the message. */
  readonly expects: string;
}

/** Compiles a condition once, at load: its path into steps and its pattern (if any) into an RE2 matcher. */
export function compileCondition(condition: ConditionDocument, pointer: string): CompiledCondition {
  const steps = parsePath(condition.path);
  const exact = condition.compare === 'exact';
  const check = exact ? bothReadings(condition.op, condition.value) : checker(condition.op, condition.value, COERCED);
  const trigger = exact ? eitherReading(condition.op, condition.value) : check;
  const expectsExistence = condition.op === 'exists';
  const wanted = condition.value !== false;
  return {
    pointer,
    path: condition.path,
    op: condition.op,
    value: condition.value,
    ...(condition.on_deny !== undefined && { message: condition.on_deny }),
    ...(condition.name !== undefined && { name: condition.name }),
    expects: EXPECTS[condition.op],
    // null is absent: servers read it as "not given" (and apply their default), as if the argument were left out.
    // Compared exactly, it is a value, as it is to Intercept.
    required: (args) => {
      const values = resolvePath(args, steps);
      if (expectsExistence) return values.some(isPresent) === wanted ? 'holds' : 'fails';
      if (values.length === 0) return 'fails';
      for (const value of values) {
        if (value === null && !exact) return 'fails';
        const result = check(value);
        if (result === undefined) return 'mistyped';
        if (!result) return 'fails';
      }
      return 'holds';
    },
    triggered: (args) => {
      const values = resolvePath(args, steps);
      if (expectsExistence) return values.some(isPresent) === wanted ? 'holds' : 'fails';
      let outcome: Outcome = 'fails';
      for (const value of values) {
        if (value === null && !exact) continue;
        const result = trigger(value);
        if (result === true) return 'holds';
        if (result === undefined) outcome = 'mistyped';
      }
      return outcome;
    },
  };
}

const isPresent = (value: unknown) => value !== null;

/** Said of an argument whose readers disagree: `"1e3"`, `"0x10"`, `"false"` compared with a number or a boolean. */
const PLAIN = 'written plainly (a number in digits, a boolean as true or false)';

const EXPECTS: Record<Operator, string> = {
  eq: PLAIN,
  neq: PLAIN,
  in: PLAIN,
  not_in: PLAIN,
  lt: 'a number',
  lte: 'a number',
  gt: 'a number',
  gte: 'a number',
  regex: 'a string',
  contains: `a string, or a list with items ${PLAIN}`,
  exists: 'any value',
};

/** A test of one argument value: true, false, or undefined when the value's type does not fit the operator. */
type Check = (value: unknown) => boolean | undefined;

/** Patterns already compiled, by source: policies repeat them, and reloads compile the same ones again. */
const patterns = new Map<string, RE2>();

/**
 * Compiles the pattern of a regex condition; RE2 runs in linear time, so no policy can stall the gateway. Compiled
 * patterns are shared: without the global flag, RE2's `test` keeps no state between calls.
 */
export function compilePattern(pattern: string): RE2 {
  let compiled = patterns.get(pattern);
  if (!compiled) {
    compiled = new RE2(pattern, 'u');
    if (patterns.size >= 1_000) patterns.clear();
    patterns.set(pattern, compiled);
  }
  return compiled;
}

/** How a reading tells whether an argument is a policy's value, and what number it is (undefined: none it can tell). */
interface Reading {
  matcher(expected: unknown): Match;
  number(argument: unknown): number | undefined;
}

/** The servers' reading (coercion.ts): `"5"` is 5, and where readers disagree the answer is undefined. */
const COERCED: Reading = {
  matcher,
  number: (argument) => {
    const n = numberOf(argument);
    return n !== AMBIGUOUS && n !== undefined && Number.isFinite(n) ? n : undefined;
  },
};

/** Intercept's reading (as-written.ts); where it cannot compare (a string for `lt`), the condition fails. */
const WRITTEN: Reading = { matcher: writtenMatcher, number: writtenNumber };

/**
 * `compare: exact` in a `require`: holds when it holds as written (so it decides as Intercept does) and the servers'
 * reading does not refuse the argument either; a null is judged as written only, since to that reading it is absent.
 */
function bothReadings(op: Operator, expected: unknown): Check {
  const written = checker(op, expected, WRITTEN);
  const coerced = checker(op, expected, COERCED);
  return (value) => written(value) === true && (value === null || coerced(value) === true);
}

/** `compare: exact` in a `deny_if`: refuses when either reading says it holds, or the servers' cannot tell. */
function eitherReading(op: Operator, expected: unknown): Check {
  const written = checker(op, expected, WRITTEN);
  const coerced = checker(op, expected, COERCED);
  return (value) => written(value) === true || (value !== null && coerced(value) !== false);
}

/** Compiles one operator and the policy's value; the value's reading is settled here, the argument's per call. */
function checker(op: Operator, expected: unknown, reading: Reading): Check {
  const { matcher: match, number: toNumber } = reading;
  const number = (test: (n: number) => boolean): Check => (value) => {
    const n = toNumber(value);
    return n === undefined ? undefined : test(n);
  };
  const not = (check: Check): Check => (value) => {
    const result = check(value);
    return result === undefined ? undefined : !result;
  };
  switch (op) {
    case 'eq':
      return match(expected);
    case 'neq':
      return not(match(expected));
    case 'in': {
      const items = (expected as unknown[]).map((item) => match(item));
      return (value) => any(items, (test) => test(value));
    }
    case 'not_in': {
      const items = (expected as unknown[]).map((item) => match(item));
      return not((value) => any(items, (test) => test(value)));
    }
    case 'lt':
      return number((n) => n < (expected as number));
    case 'lte':
      return number((n) => n <= (expected as number));
    case 'gt':
      return number((n) => n > (expected as number));
    case 'gte':
      return number((n) => n >= (expected as number));
    case 'regex': {
      const pattern = compilePattern(expected as string);
      return (value) => (typeof value === 'string' ? pattern.test(value) : undefined);
    }
    case 'contains': {
      const item = match(expected);
      return (value) => {
        if (typeof value === 'string') return typeof expected === 'string' ? value.includes(expected) : undefined;
        if (Array.isArray(value)) return any(value, item);
        return undefined;
      };
    }
    case 'exists':
      return () => true;
  }
}
