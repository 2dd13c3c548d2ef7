import { toMilliseconds } from '../policy/duration.js';
import { UsageError } from './errors.js';

/** Milliseconds in a duration given on the command line (`30d`, `12h`, `15m`, `90s`), or a usage error naming the option. */
export function durationOption(option: string, value: string): number {
  try {
    return toMilliseconds(value);
  } catch {
    throw new UsageError(`${option}: "${value}" is not a duration (like 30d, 12h, 15m, 90s)`);
  }
}
