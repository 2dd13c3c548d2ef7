import type { Problem } from '../../documents/errors.js';
import type { PolicyInput } from '../schema.js';

export type Dialect = 'canonical' | 'intercept' | 'rule-list';

/** A document in another dialect, turned into the canonical form. */
export interface Conversion {
  dialect: Dialect;
  policy: PolicyInput;
  /** Where the canonical form differs in effect from the source, in words for the operator, located in the source. */
  notes: Problem[];
  /** Canonical JSON pointer → the pointer in the source document it came from, so errors point at what was written. */
  origins: Map<string, string>;
  /** What the dialect's own reader ignores (an unknown field), located in the source: `policy check` warns about each. */
  ignored?: Problem[];
}

/** A rule that is valid in its dialect but has no faithful canonical form; located in the source document. */
export class ConversionProblem extends Error {
  constructor(
    readonly pointer: string,
    message: string,
  ) {
    super(message);
  }
}
