import type { Problem } from '../../documents/errors.js';
import type { Operator } from '../schema.js';

/**
 * Where a converted Intercept policy behaves differently from Intercept, each located at what was written. Every
 * difference left is deliberate and refuses more than Intercept does, or words a refusal differently; docs/policy.md
 * ("Intercept") gives the reasons.
 */

/** The comparison ops whose `compare: exact` still refuses some argument Intercept lets through. */
const EQUALITY: ReadonlySet<Operator> = new Set(['eq', 'neq', 'in', 'not_in', 'contains']);
const NEGATED: ReadonlySet<Operator> = new Set(['neq', 'not_in']);

/** What the servers' reading refuses of a condition Intercept decides by text (see conditions.ts bothReadings). */
export function conditionNote(pointer: string, op: Operator, value: unknown): Problem | undefined {
  if (!EQUALITY.has(op)) return undefined;
  // Notes are made before the canonical form is checked: an `in` without a list is refused there.
  const values = (op === 'in' || op === 'not_in') && Array.isArray(value) ? (value as unknown[]) : [value];
  const said: string[] = [];
  if (NEGATED.has(op) && values.some((v) => typeof v === 'number' || typeof v === 'boolean')) {
    said.push(`an argument a server reads as the ${values.length > 1 ? 'values' : 'value'} refused here (such as "0.0" or " 0 " for 0, 1 or "yes" for true, or a number written "1e3" or "0x10") is refused too, where Intercept compares its text and lets it through`);
  }
  if (values.some((v) => typeof v === 'string' && /^(true|false)$/i.test(v))) {
    said.push('a boolean argument is refused where the text "true" or "false" is compared, as servers print a boolean either as true or as True');
  }
  if (values.some((v) => typeof v === 'object' && v !== null)) {
    said.push('a list or map is compared item by item, where Intercept compares its printed text, so text that merely prints alike (the string "[a b]") is refused');
  }
  if (!NEGATED.has(op) && values.includes(null)) said.push('the string "<nil>", which Intercept takes for null, is refused');
  return said.length > 0 ? { pointer, message: `${sentence(said.join('; '))}.` } : undefined;
}

/** How a converted limit counts differently: its window always, and for a spend counter its amounts. */
export function limitNote(pointer: string, window: string, spend: boolean): Problem {
  const span = window === 'day' ? '24 hours' : window;
  const said = [
    `Intercept counts each calendar ${window} (UTC) from zero; Toolgate counts over the last ${span} at every moment, so calls bunched across the edge of a ${window} are refused sooner; a refusal also says when to retry`,
  ];
  if (spend) {
    said.push(
      'amounts count exactly, where Intercept drops the fraction (it counts 50.9 as 50 and 0.5 as 0): Toolgate refuses sooner',
      'a negative amount, which Intercept counts (lowering the count, so an agent could undo its own spend), is refused',
      'an amount that is missing, null or not a number is refused naming the argument, where Intercept says "Internal policy error"',
    );
  }
  return { pointer, message: `${sentence(said.join('; '))}.` };
}

/** Under `default: deny` a tool with no entry cannot be called, and Toolgate does not offer what cannot be called. */
export const DEFAULT_DENY_LISTING: Problem = {
  pointer: '/default',
  message: 'Intercept lists every tool the server offers except those in hide; Toolgate lists only the tools an agent may call (those named under tools), as PolicyLayer documents.',
};

/** A hidden tool is answered as a tool that does not exist is, so calling names maps nothing. */
export const HIDDEN_ANSWER: Problem = {
  pointer: '/hide',
  message: 'A call to a hidden tool is refused as not permitted by policy, where Intercept says it is hidden by policy.',
};

const sentence = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** What Intercept says when a rule refuses (handler.go Handle): its on_deny, or else the rule named with Go's `%q`, which JSON's quoting matches for the printable text rule names are. */
export function ruleDenial(r: { readonly name: string; readonly on_deny?: string }): string {
  return r.on_deny || `Denied by rule ${JSON.stringify(r.name)}`;
}
