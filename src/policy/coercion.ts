/**
 * How an argument is compared with a policy's value: read as the type of that value, the way the servers behind
 * the gateway read it. Many coerce (pydantic's lax mode, zod's `coerce`, `Number(x)`), so `"5"` reaches the tool as
 * 5; a blocklist that only matched the number would be stepped around by quoting it. Where common readers disagree
 * on what an argument is (`"1e3"` is 1000 to `Number` and 1 to `parseInt`; `"false"` is false to pydantic and true
 * to `Boolean`), the argument cannot be told apart safely and the condition is refused as mistyped, never passed.
 */

/** A comparison: the argument is (true) or is not (false) the value, or the readers disagree (undefined). */
export type Match = (argument: unknown) => boolean | undefined;

/** A decimal as every number reader takes it alike: sign, digits, a fraction; whitespace around it. */
const PLAIN_DECIMAL = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)\s*$/;
/** Python's float() reads these; `Number` and `parseFloat` do not. */
const PYTHON_SPECIAL = /^\s*[+-]?(?:inf|infinity|nan)\s*$/i;
/** What pydantic, zod's stringbool and `Boolean(x)` all read as true. Every other string some reader takes as false. */
const TRUE_WORDS = new Set(['true', '1', 'yes', 'on', 't', 'y']);

/** Marks a string that some reader takes as a number, but not every reader as the same one. */
export const AMBIGUOUS = Symbol('ambiguous');

/**
 * The number an argument stands for: a number; true and false as 1 and 0 (pydantic, `Number`); a plain decimal
 * string as its value. AMBIGUOUS for strings readers disagree on (empty, exponent, hex, digit separators,
 * Infinity, "12abc"); undefined for what no reader takes as a number.
 */
export function numberOf(argument: unknown): number | typeof AMBIGUOUS | undefined {
  if (typeof argument === 'number') return argument;
  if (typeof argument === 'boolean') return argument ? 1 : 0;
  if (typeof argument !== 'string') return undefined;
  if (PLAIN_DECIMAL.test(argument)) return Number(argument);
  const read = !Number.isNaN(Number(argument)) || !Number.isNaN(Number.parseFloat(argument)) || PYTHON_SPECIAL.test(argument);
  return read ? AMBIGUOUS : undefined;
}

/** The boolean an argument stands for; undefined when readers disagree or none takes it as one. */
function booleanOf(argument: unknown): boolean | undefined {
  if (typeof argument === 'boolean') return argument;
  if (argument === 0 || argument === 1) return argument === 1;
  if (typeof argument === 'string' && TRUE_WORDS.has(argument.trim().toLowerCase())) return true;
  return undefined;
}

/**
 * Compiles the comparison with one policy value, once, at load. Lists and objects compare element by element with
 * the same rule; an element that is plainly different makes them different, whatever the other elements are.
 */
export function matcher(expected: unknown): Match {
  switch (typeof expected) {
    case 'number':
      return (argument) => {
        if (typeof argument === 'number') return argument === expected;
        const n = numberOf(argument);
        return n === AMBIGUOUS ? undefined : n === expected;
      };
    case 'boolean':
      return (argument) => {
        if (typeof argument === 'boolean') return argument === expected;
        if (typeof argument !== 'number' && typeof argument !== 'string') return false;
        // Any other number or string is true to `Boolean(x)` and refused by stricter readers.
        const b = booleanOf(argument);
        return b === undefined ? undefined : b === expected;
      };
    case 'string':
      // A number sent for a string reaches the tool as `String(x)` (zod's coerce, Python's `str`). A boolean reaches
      // it as "true" or as "True", as the reader goes: where the policy's string is either spelling, readers disagree.
      return (argument) => {
        if (typeof argument === 'string') return argument === expected;
        if (typeof argument === 'number') return String(argument) === expected;
        if (typeof argument === 'boolean') return /^(true|false)$/i.test(expected as string) ? undefined : false;
        return false;
      };
  }
  if (expected === null) return (argument) => argument === null;
  if (Array.isArray(expected)) {
    const items = expected.map(matcher);
    return (argument) => (Array.isArray(argument) && argument.length === items.length ? every(items, (match, i) => match(argument[i])) : false);
  }
  const entries = Object.entries(expected as object).map(([key, value]) => ({ key, match: matcher(value) }));
  return (argument) => {
    if (typeof argument !== 'object' || argument === null || Array.isArray(argument)) return false;
    if (Object.keys(argument).length !== entries.length || !entries.every(({ key }) => Object.hasOwn(argument, key))) return false;
    return every(entries, ({ key, match }) => match((argument as Record<string, unknown>)[key]));
  };
}

/** True when every part matches; false as soon as one plainly does not; undefined when readers disagree on one. */
function every<T>(parts: readonly T[], test: (part: T, index: number) => boolean | undefined): boolean | undefined {
  let outcome: boolean | undefined = true;
  for (let i = 0; i < parts.length; i++) {
    const result = test(parts[i]!, i);
    if (result === false) return false;
    if (result === undefined) outcome = undefined;
  }
  return outcome;
}

/** True when some part matches; otherwise undefined if readers disagree on one, else false. */
export function any<T>(parts: readonly T[], test: (part: T) => boolean | undefined): boolean | undefined {
  let outcome: boolean | undefined = false;
  for (const part of parts) {
    const result = test(part);
    if (result === true) return true;
    if (result === undefined) outcome = undefined;
  }
  return outcome;
}
