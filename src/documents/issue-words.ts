import type { z } from 'zod';
import { closestName } from './closest-name.js';

type Issue = z.core.$ZodIssue;
type RawIssue = z.core.$ZodRawIssue;

/** What zod calls a type, as a person editing a file would; a name not here is said as zod says it. */
const TYPES: Readonly<Record<string, string>> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  bigint: 'a whole number',
  boolean: 'true or false',
  object: 'an object',
  record: 'an object',
  array: 'a list',
  tuple: 'a list',
  null: 'null',
  date: 'a date',
};

const FORMATS: Readonly<Record<string, string>> = { url: 'a URL', email: 'an email address', uuid: 'a UUID', datetime: 'an ISO 8601 time' };

const SIZED: Readonly<Record<string, [one: string, many: string]>> = { string: ['character', 'characters'], array: ['item', 'items'], set: ['item', 'items'] };

/** A value as the person who wrote it would name it: the text "abc", the number 12, a list. */
function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'string':
      return `the text ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
    case 'number':
      return `the number ${value}`;
    case 'boolean':
      return String(value);
    case 'object':
      return 'an object';
    default:
      return typeof value;
  }
}

const listed = (values: readonly unknown[]) => values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
const oneOf = (values: readonly unknown[]) => (values.length === 1 ? listed(values)[0]! : `one of ${listed(values).join(', ')}`);
const either = (alternatives: readonly string[]) => (alternatives.length > 1 ? `${alternatives.slice(0, -1).join(', ')} or ${alternatives.at(-1)}` : alternatives[0]!);

/**
 * The error map every document is parsed with (`parseDocument`): each kind of issue worded in the project's words
 * ("expected a number, got the text "abc""), naming what was expected and what was found. A message a schema gives
 * itself outranks this map, so those stay as written.
 */
export const documentWords: z.core.$ZodErrorMap = (issue) => {
  const got = describeValue(issue.input);
  switch (issue.code) {
    case 'invalid_type': {
      const expected = TYPES[issue.expected] ?? issue.expected;
      const field = issue.path?.at(-1);
      if (issue.input === undefined && field !== undefined) return `required field ${JSON.stringify(String(field))} is missing (expected ${expected})`;
      return `expected ${expected}, got ${got}`;
    }
    case 'invalid_value':
      return `expected ${oneOf(issue.values)}, got ${got}`;
    case 'too_small':
    case 'too_big':
      return sizeWords(issue);
    case 'invalid_format': {
      const format = issue as z.core.$ZodIssueInvalidStringFormat & Partial<Record<'pattern' | 'prefix' | 'suffix' | 'includes', string>>;
      const expected =
        format.format === 'regex' ? `text matching ${format.pattern}`
        : format.format === 'starts_with' ? `text starting with ${JSON.stringify(format.prefix)}`
        : format.format === 'ends_with' ? `text ending with ${JSON.stringify(format.suffix)}`
        : format.format === 'includes' ? `text containing ${JSON.stringify(format.includes)}`
        : (FORMATS[format.format] ?? `text in the ${format.format} format`);
      return `expected ${expected}, got ${got}`;
    }
    case 'not_multiple_of':
      return `expected a multiple of ${issue.divisor}, got ${got}`;
    case 'unrecognized_keys':
      return unknownFields(issue.keys, issue.input, (issue.inst?._zod.def as { shape?: object } | undefined)?.shape);
    case 'invalid_key':
      return invalidName(issue.issues);
    case 'invalid_element':
      return `invalid entry: ${issue.issues.map((inner) => inner.message).join('; ')}`;
    case 'invalid_union': {
      // No branch has the discriminating key's value; the issue sits at that key, its input the whole object.
      if (issue.discriminator !== undefined) {
        return `expected ${oneOf((issue.options ?? []) as readonly unknown[])}, got ${describeValue((issue.input as Record<string, unknown>)[issue.discriminator])}`;
      }
      if (issue.inclusive === false) return 'matches more than one of the forms this field may take';
      const branch = specificBranch(issue.errors);
      return branch ? branchWords(branch) : `expected ${either([...new Set(issue.errors.flatMap(expectations))])}, got ${got}`;
    }
    default:
      return 'not accepted here';
  }
};

/** A record's key that is not a name it takes (a server name with a space, a method `tools/call`). */
export const invalidName = (issues: readonly Issue[]) => `invalid name: ${issues.map((inner) => inner.message).join('; ')}`;

function sizeWords(issue: RawIssue & { code: 'too_small' | 'too_big' }): string {
  const small = issue.code === 'too_small';
  const bound = small ? (issue as z.core.$ZodIssueTooSmall).minimum : (issue as z.core.$ZodIssueTooBig).maximum;
  const sized = SIZED[issue.origin];
  const relation = issue.exact ? 'exactly' : issue.inclusive ? (small ? 'at least' : 'at most') : small ? 'more than' : 'fewer than';
  if (sized) {
    const length = (issue.input as { length?: number } | undefined)?.length ?? 0;
    return `expected ${relation} ${bound} ${sized[bound === 1 ? 0 : 1]}, got ${length === 0 ? 'none' : length}`;
  }
  const comparison = issue.exact ? 'equal to' : issue.inclusive ? (small ? 'of at least' : 'of at most') : small ? 'greater than' : 'less than';
  return `expected a number ${comparison} ${bound}, got ${describeValue(issue.input)}`;
}

/** `unknown field "argz" (did you mean "args"?)`; with no near name, the fields this object takes. */
function unknownFields(keys: readonly string[], input: unknown, shape: object | undefined): string {
  const given = typeof input === 'object' && input !== null ? input : {};
  // A field already written is not what a misspelt one was meant to be.
  const free = Object.keys(shape ?? {}).filter((known) => !Object.hasOwn(given, known));
  const suggestions = keys.map((key) => closestName(key, free));
  const named = keys.map((key, i) => `${JSON.stringify(key)}${suggestions[i] ? ` (did you mean ${JSON.stringify(suggestions[i])}?)` : ''}`);
  const fields = shape && !suggestions.some(Boolean) ? `; expected ${oneOf(Object.keys(shape))}` : '';
  return `unknown field${keys.length > 1 ? 's' : ''} ${named.join(', ')}${fields}`;
}

/** A branch whose value is not even of its type (an object where a list goes): it says nothing about what was meant. */
function missesAtRoot(branch: readonly Issue[]): boolean {
  return branch.some(
    (issue) => issue.path.length === 0 && (issue.code === 'invalid_type' || issue.code === 'invalid_value' || (issue.code === 'invalid_union' && !specificBranch(issue.errors))),
  );
}

/** What a branch that missed at its root expected: "a list", "true", "one of allow, deny". */
function expectations(branch: readonly Issue[]): string[] {
  return branch.filter((issue) => issue.path.length === 0).flatMap((issue) => {
    if (issue.code === 'invalid_type') return [TYPES[issue.expected] ?? issue.expected];
    if (issue.code === 'invalid_value') return [oneOf(issue.values)];
    return issue.code === 'invalid_union' ? issue.errors.flatMap(expectations) : [];
  });
}

/**
 * The branch of a union the value was meant for: of those whose type it has, the one whose problems lie deepest
 * (it got furthest), then the one with fewest. None when the value has none of the branches' types.
 */
function specificBranch(errors: readonly (readonly Issue[])[]): readonly Issue[] | undefined {
  const depth = (branch: readonly Issue[]) => Math.max(...branch.map((issue) => issue.path.length));
  let best: readonly Issue[] | undefined;
  for (const branch of errors) {
    if (branch.length === 0 || missesAtRoot(branch)) continue;
    if (!best || depth(branch) > depth(best) || (depth(branch) === depth(best) && branch.length < best.length)) best = branch;
  }
  return best;
}

const branchWords = (branch: readonly Issue[]) => branch.map((issue) => issue.message).join('; ');

/**
 * The issues to report in place of a union's own, when these words gave it its message: those of the branch the value
 * was meant for, each at its own path (relative to the union's). A union whose schema words it keeps its message.
 */
export function reportedBranch(issue: Issue): readonly Issue[] | undefined {
  if (issue.code !== 'invalid_union') return undefined;
  const branch = specificBranch(issue.errors);
  return branch && issue.message === branchWords(branch) ? branch : undefined;
}
