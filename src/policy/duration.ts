const NAMED: Record<string, number> = { second: 1_000, minute: 60_000, hour: 3_600_000, day: 86_400_000 };
const UNIT: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Milliseconds in a window or duration as policies write them: a name (second, minute, hour, day), an amount with
 * a unit ("90s", "15m", "2h", "1d", "500ms"), or a number of seconds. The schema has checked the form.
 */
export function toMilliseconds(value: string | number): number {
  if (typeof value === 'number') return value * 1_000;
  if (Object.hasOwn(NAMED, value)) return NAMED[value]!;
  const match = /^(\d+)(ms|s|m|h|d)$/.exec(value);
  if (!match) throw new Error(`not a duration: ${JSON.stringify(value)}`);
  return Number(match[1]) * UNIT[match[2]!]!;
}
