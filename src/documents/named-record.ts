import { z } from 'zod';
import { jsonShape } from './json-shape.js';
import { documentWords, invalidName } from './issue-words.js';

/**
 * `z.record` for an object whose keys are names a document chooses (tools, methods, servers) and that are later
 * looked up by names a client chooses. zod's record skips a `__proto__` key without a word, so a policy's rule for
 * a tool of that name would vanish and the tool would fall to the default. Here every own key is validated,
 * `__proto__` included, and the result has no prototype: a lookup of `constructor` or `toString` finds nothing
 * unless the document wrote it.
 */
export function namedRecord<V extends z.ZodType>(key: z.ZodType<string, string>, value: V) {
  const record = z.record(key, value);
  // Typed as the record it stands for; what the input really is, the record's own check says.
  const named = z.custom<Record<string, z.input<V>>>().transform((input: unknown, ctx): Record<string, z.output<V>> => {
    // Parsed apart from the document, so worded here: its issues arrive with their messages.
    const parsed = record.safeParse(input, { error: documentWords });
    const issues = parsed.success ? [] : [...parsed.error.issues];
    const proto = typeof input === 'object' && input !== null && Object.hasOwn(input, '__proto__') ? protoEntry(key, value, (input as Record<string, unknown>)['__proto__']) : undefined;
    issues.push(...(proto?.issues ?? []));
    for (const issue of issues) ctx.addIssue({ ...issue });
    if (issues.length > 0 || !parsed.success) return z.NEVER;
    // In the document's order: the order of patterns decides ties.
    const result = Object.create(null) as Record<string, z.output<V>>;
    for (const name of Object.keys(input as object)) result[name] = name === '__proto__' ? (proto!.value as z.output<V>) : parsed.data[name]!;
    return result;
  });
  // The document's shape is the record's; only the reading differs.
  named._zod.toJSONSchema = () => jsonShape(record);
  return named;
}

/** The `__proto__` entry checked as zod checks every other one: its name against the key, its value against the value. */
function protoEntry(key: z.ZodType<string, string>, value: z.ZodType, item: unknown): { issues: z.core.$ZodIssue[]; value?: unknown } {
  const name = key.safeParse('__proto__', { error: documentWords });
  if (!name.success) {
    return { issues: [{ code: 'invalid_key', origin: 'record', issues: name.error.issues, path: ['__proto__'], message: invalidName(name.error.issues), input: '__proto__' }] };
  }
  const parsed = value.safeParse(item, { error: documentWords });
  if (!parsed.success) return { issues: parsed.error.issues.map((issue) => ({ ...issue, path: ['__proto__', ...issue.path] })) };
  return { issues: [], value: parsed.data };
}
