import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { z } from 'zod';
import { DocumentError, parseDocument } from './errors.js';

/** What `parseDocument` says of `value`, one line a problem. */
function problems(schema: z.ZodType, value: unknown): string[] {
  try {
    parseDocument(schema, value, 'doc.yaml');
  } catch (error) {
    assert.ok(error instanceof DocumentError, String(error));
    return error.message.split('\n');
  }
  assert.fail('expected the document to be refused');
}

const entry = z.strictObject({ tool: z.string(), args: z.unknown().optional(), count: z.number().min(1).optional(), mode: z.enum(['allow', 'deny']).optional() });

describe('every issue is worded in the project\'s words, at its path', () => {
  test('a wrong type names what was expected and what was found', () => {
    assert.deepEqual(problems(z.strictObject({ n: z.number() }), { n: 'abc' }), ['doc.yaml: /n: expected a number, got the text "abc"']);
    assert.deepEqual(problems(entry, { tool: 12 }), ['doc.yaml: /tool: expected text, got the number 12']);
    assert.deepEqual(problems(z.strictObject({ on: z.boolean() }), { on: null }), ['doc.yaml: /on: expected true or false, got null']);
    assert.deepEqual(problems(z.array(z.string()), {}), ['doc.yaml: /: expected a list, got an object']);
  });

  test('a missing field is named', () => {
    assert.deepEqual(problems(entry, {}), ['doc.yaml: /tool: required field "tool" is missing (expected text)']);
  });

  test('a value not among the allowed ones lists them', () => {
    assert.deepEqual(problems(entry, { tool: 't', mode: 'denied' }), ['doc.yaml: /mode: expected one of allow, deny, got the text "denied"']);
    assert.deepEqual(problems(z.literal(true), false), ['doc.yaml: /: expected true, got false']);
  });

  test('sizes and bounds say the bound and what was given', () => {
    assert.deepEqual(problems(entry, { tool: 't', count: 0 }), ['doc.yaml: /count: expected a number of at least 1, got the number 0']);
    assert.deepEqual(problems(z.string().min(1), ''), ['doc.yaml: /: expected at least 1 character, got none']);
    assert.deepEqual(problems(z.array(z.number()).max(1), [1, 2]), ['doc.yaml: /: expected at most 1 item, got 2']);
  });

  test('an unknown field suggests the field it was likely meant to be', () => {
    assert.deepEqual(problems(entry, { tool: 't', argz: {} }), ['doc.yaml: /: unknown field "argz" (did you mean "args"?)']);
  });

  test('a field already given is not suggested again, and with nothing near the fields are listed', () => {
    assert.deepEqual(problems(entry, { tool: 't', args: {}, argz: {} }), ['doc.yaml: /: unknown field "argz"; expected one of tool, args, count, mode']);
  });

  test('a message a schema gives itself is kept', () => {
    assert.deepEqual(problems(z.enum(['a', 'b'], { message: 'a or b, please' }), 'c'), ['doc.yaml: /: a or b, please']);
  });
});

describe('a union is reported by the branch the value was meant for', () => {
  const cases = z.union([z.array(entry), z.strictObject({ cases: z.array(entry) })]);

  test('the branch whose type the value has, at the paths inside it', () => {
    assert.deepEqual(problems(cases, [{ tool: 't', mode: 'denied' }]), ['doc.yaml: /0/mode: expected one of allow, deny, got the text "denied"']);
    assert.deepEqual(problems(cases, { cases: [{ tool: 1 }] }), ['doc.yaml: /cases/0/tool: expected text, got the number 1']);
  });

  test('the branch whose problems lie deepest, of several the value could be', () => {
    const shape = z.union([z.strictObject({ a: z.string() }), z.strictObject({ a: z.strictObject({ b: z.number() }) })]);
    assert.deepEqual(problems(z.strictObject({ at: shape }), { at: { a: { b: 'x' } } }), ['doc.yaml: /at/a/b: expected a number, got the text "x"']);
  });

  test('a value of none of the branches\' types is told every type it could have been', () => {
    assert.deepEqual(problems(cases, 5), ['doc.yaml: /: expected a list or an object, got the number 5']);
    assert.deepEqual(problems(z.union([z.literal(true), entry]), 'yes'), ['doc.yaml: /: expected true or an object, got the text "yes"']);
  });

  test('a union with a message of its own keeps it', () => {
    const window = z.union([z.string().regex(/^\d+m$/), z.number()], { error: 'not a window' });
    assert.deepEqual(problems(window, true), ['doc.yaml: /: not a window']);
  });
});

test('the value parsed is returned, and a locate function places each problem where it was written', () => {
  assert.deepEqual(parseDocument(entry, { tool: 't' }, 'doc.yaml'), { tool: 't' });
  assert.throws(() => parseDocument(entry, { tool: 1 }, 'doc.yaml', (pointer) => `/written${pointer}`), /^DocumentError: doc\.yaml: \/written\/tool: expected text/);
});
