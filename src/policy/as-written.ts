import type { Match } from './coercion.js';

/**
 * How Intercept compares an argument with a policy's value (`compare: exact`): a number with a number by value,
 * anything else by the text Go's `%v` prints for it, so `"5.0"` is not 5, `true` is not 1, and a present null is
 * the value `<nil>`. Arguments are decoded JSON, whose numbers Go holds as float64; a policy's whole numbers are
 * YAML integers (a parsed document no longer says `5.0` from `5`; the two print alike below a million).
 */

/** The comparison with one policy value, compiled once; it always answers, never "readers disagree". */
export function writtenMatcher(expected: unknown): Match {
  const text = printed(expected, true);
  if (typeof expected === 'number') return (argument) => (typeof argument === 'number' ? argument === expected : printed(argument, false) === text);
  return (argument) => printed(argument, false) === text;
}

/** Intercept's ordering operators take real numbers only: `"50"` and `true` are not numbers to them. */
export function writtenNumber(argument: unknown): number | undefined {
  return typeof argument === 'number' ? argument : undefined;
}

/** Go's `%v` of a decoded value; `integers`: whole numbers print as a YAML integer does, not as a float64. */
function printed(value: unknown, integers: boolean): string {
  switch (typeof value) {
    case 'string':
      return value;
    case 'boolean':
      return String(value);
    case 'number':
      return integers && Number.isInteger(value) && Math.abs(value) < 2 ** 63 ? BigInt(value).toString() : float(value);
  }
  if (value === null || value === undefined) return '<nil>';
  if (Array.isArray(value)) return `[${value.map((item) => printed(item, integers)).join(' ')}]`;
  // Go prints a map with its keys sorted.
  const entries = Object.keys(value as object).sort();
  return `map[${entries.map((key) => `${key}:${printed((value as Record<string, unknown>)[key], integers)}`).join(' ')}]`;
}

/** A float64 as `%v` prints it: the shortest digits, with an exponent (at least two digits) outside 1e-4 ≤ |n| < 1e6. */
function float(n: number): string {
  if (Object.is(n, -0)) return '-0';
  const [digits, exponent] = n.toExponential().split('e') as [string, string];
  const e = Number(exponent);
  if (e >= -4 && e < 6) return String(n);
  return `${digits}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
}
