import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compileCondition } from './conditions.js';
import type { ConditionDocument } from './schema.js';

/**
 * Each operator on its own, at its edges: the property test in coercion.test.ts shows that no encoding of a refused
 * value is allowed, but not that the plain value is judged right, which these pin.
 */

const cond = (op: ConditionDocument['op'], value: unknown, extra: Partial<ConditionDocument> = {}) =>
  compileCondition({ path: 'args.x', op, value, ...extra } as ConditionDocument, '/tools/t/require/0');
const req = (c: ReturnType<typeof cond>, x: unknown) => c.required({ x });
const trig = (c: ReturnType<typeof cond>, x: unknown) => c.triggered({ x });

describe('comparisons of numbers are strict where they say so', () => {
  const cases: [ConditionDocument['op'], number[], number[]][] = [
    ['lt', [4, -1, 4.99], [5, 6]],
    ['lte', [5, 4], [5.01, 6]],
    ['gt', [6, 5.01], [5, 4]],
    ['gte', [5, 6], [4.99, 4]],
  ];
  for (const [op, holds, fails] of cases) {
    test(`${op} 5`, () => {
      const c = cond(op, 5);
      for (const n of holds) assert.equal(req(c, n), 'holds', `${n} ${op} 5`);
      for (const n of fails) assert.equal(req(c, n), 'fails', `not ${n} ${op} 5`);
      assert.equal(req(c, String(holds[0])), 'holds', 'a plain decimal string is its number');
      assert.equal(req(c, 'five'), 'mistyped');
      assert.equal(req(c, '1e1'), 'mistyped', 'readers disagree on an exponent');
      assert.equal(req(c, Number.POSITIVE_INFINITY), 'mistyped', 'not a finite number');
      assert.equal(trig(c, holds[0]), 'holds');
      assert.equal(trig(c, fails[0]), 'fails');
    });
  }
  test('a decimal written with only a fraction is read as its number', () => {
    assert.equal(req(cond('lt', 1), '.5'), 'holds');
    assert.equal(req(cond('gt', 1), '.5'), 'fails');
    assert.equal(req(cond('lt', 1), '.55'), 'holds');
    assert.equal(req(cond('eq', 0.55), ' .55 '), 'holds');
  });
  test('spellings of infinity and NaN, with sign or spaces, are mistyped rather than no number', () => {
    // Compared for equality, a string some reader takes as a number is mistyped; one that none does plainly differs.
    for (const s of ['inf', '-inf', ' +Infinity ', 'nan', 'NaN\n', '\tinf', 'INF']) assert.equal(req(cond('eq', 5), s), 'mistyped', JSON.stringify(s));
    for (const s of ['xinf', 'infx', 'in f', 'xnan']) assert.equal(req(cond('eq', 5), s), 'fails', JSON.stringify(s));
  });
});

describe('booleans', () => {
  test('the words every reader takes as true match true, in any case and with spaces', () => {
    const c = cond('eq', true);
    for (const word of ['true', '1', 'yes', 'on', 't', 'y', ' YES ', 'On', 'T']) assert.equal(req(c, word), 'holds', JSON.stringify(word));
    assert.equal(req(c, 1), 'holds');
    assert.equal(req(c, 0), 'fails');
    assert.equal(req(c, false), 'fails');
    assert.equal(req(c, 'false'), 'mistyped', '"false" is true to Boolean() and false to pydantic');
    assert.equal(req(c, 2), 'mistyped');
    assert.equal(req(c, {}), 'fails', 'an object is no boolean');
    assert.equal(req(cond('eq', false), true), 'fails');
  });
});

describe('strings', () => {
  test('a number sent for a string is read as its text; a boolean against either spelling of a boolean is mistyped', () => {
    assert.equal(req(cond('eq', '5'), 5), 'holds');
    // "false" to one reader, "False" to another: no answer is safe for both.
    assert.equal(req(cond('eq', 'False'), false), 'mistyped');
    assert.equal(req(cond('eq', 'false'), false), 'mistyped');
    assert.equal(req(cond('eq', 'True'), false), 'mistyped');
    assert.equal(req(cond('eq', 'prod'), true), 'fails');
    assert.equal(req(cond('eq', '5'), null), 'fails', 'null is absent');
    assert.equal(req(cond('eq', '5'), ['5']), 'fails');
  });
  test('regex tests strings only, with Unicode semantics', () => {
    assert.equal(req(cond('regex', '^.$'), '😀'), 'holds', 'one code point is one character');
    assert.equal(req(cond('regex', '^a'), 5), 'mistyped');
  });
});

describe('objects and lists', () => {
  test('an object matches one with exactly its keys and matching values', () => {
    const c = cond('eq', { a: 1, b: 'x' });
    assert.equal(req(c, { a: '1', b: 'x' }), 'holds');
    assert.equal(req(c, { a: 1 }), 'fails', 'a key missing');
    assert.equal(req(c, { a: 1, c: 'x' }), 'fails', 'as many keys, another name');
    assert.equal(req(c, { a: 1, b: 'x', c: 1 }), 'fails');
    assert.equal(req(c, [1, 'x']), 'fails', 'a list is no object');
    assert.equal(req(c, 'a'), 'fails');
  });
  test('an object with index keys matches neither a list nor a string', () => {
    assert.equal(req(cond('eq', { 0: 'x' }), ['x']), 'fails');
    assert.equal(req(cond('eq', { 0: 'x' }), 'x'), 'fails');
    assert.equal(req(cond('eq', { 0: 'x' }), { 0: 'x' }), 'holds');
  });
  test('a list item readers disagree on makes the comparison mistyped unless another item plainly differs', () => {
    assert.equal(req(cond('eq', [1, 2]), ['1e0', 2]), 'mistyped');
    assert.equal(req(cond('eq', [1, 2]), ['1e0', 3]), 'fails');
  });
});

describe('exists, absence and messages', () => {
  test('exists: true holds for any value but null; exists: false for none', () => {
    const present = cond('exists', true);
    assert.equal(req(present, 0), 'holds');
    assert.equal(req(present, null), 'fails');
    assert.equal(present.triggered({}), 'fails');
    assert.equal(present.triggered({ x: false }), 'holds');
    const absent = cond('exists', false);
    assert.equal(absent.triggered({}), 'holds');
    assert.equal(absent.triggered({ x: 1 }), 'fails');
    assert.equal(present.triggered({ x: [] }), 'holds');
  });
  test('a require on a missing or null argument fails; a deny_if on one does not trigger', () => {
    const c = cond('gt', 1);
    assert.equal(c.required({}), 'fails');
    assert.equal(req(c, null), 'fails');
    assert.equal(c.triggered({}), 'fails');
    assert.equal(trig(c, null), 'fails');
  });
  test('what a mistyped argument should have been is said per operator; a message is kept only when written', () => {
    assert.equal(cond('lt', 1).expects, 'a number');
    assert.equal(cond('lte', 1).expects, 'a number');
    assert.equal(cond('gt', 1).expects, 'a number');
    assert.equal(cond('gte', 1).expects, 'a number');
    assert.equal(cond('regex', 'a').expects, 'a string');
    assert.equal(cond('exists', true).expects, 'any value');
    assert.equal(cond('contains', 'a').expects, 'a string, or a list with items written plainly (a number in digits, a boolean as true or false)');
    assert.equal('message' in cond('eq', 1), false);
    assert.equal(cond('eq', 1, { on_deny: 'say why' }).message, 'say why');
  });
});

describe('compare: exact decides as Intercept does, and only where the coercing reading does not refuse', () => {
  const exact = (op: ConditionDocument['op'], value: unknown) => cond(op, value, { compare: 'exact' });

  test('a number equals a number; anything else is compared by the text Go prints', () => {
    const five = exact('eq', 5);
    for (const x of [5, 5.0, '5']) assert.equal(req(five, x), 'holds', `${JSON.stringify(x)} eq 5`);
    for (const x of ['5.0', '05', ' 5 ', '+5', true, [5]]) assert.equal(req(five, x), 'fails', `${JSON.stringify(x)} is not 5 as written`);
    assert.equal(req(exact('eq', true), 1), 'fails', 'true is not 1');
    assert.equal(req(exact('eq', true), 'true'), 'holds', 'true prints as "true"');
    assert.equal(req(exact('eq', '1e+06'), 'x'), 'fails');
    assert.equal(req(exact('eq', 'abc'), ['abc']), 'fails', 'a list prints as [abc]');
  });

  test('an argument number prints as a float64 does, a policy whole number as an integer', () => {
    assert.equal(req(exact('eq', '1e+06'), 1_000_000), 'fails', 'Go prints 1e+06, but a server reads the number as "1000000": refused');
    assert.equal(req(exact('neq', '1e+06'), 1_000_000), 'fails', 'to Intercept the two are equal');
    assert.equal(req(exact('eq', 1_000_000), '1000000'), 'holds', 'a YAML integer prints in full');
    assert.equal(trig(exact('eq', '1e-06'), 0.000001), 'holds', 'an argument float prints with an exponent below 1e-4');
    assert.equal(trig(exact('eq', '123456'), 123456), 'holds', 'and without one below 1e6');
  });

  test('ordering needs a real number', () => {
    const cap = exact('lte', 100);
    assert.equal(req(cap, 50), 'holds');
    for (const x of ['50', true, [50], null]) assert.equal(req(cap, x), 'fails', `${JSON.stringify(x)} is no number to Intercept`);
  });

  test('null is a value: eq null holds for a present null, neq holds for it, and absence still fails', () => {
    assert.equal(req(exact('eq', null), null), 'holds');
    assert.equal(exact('eq', null).required({}), 'fails', 'an absent argument fails every operator but exists');
    assert.equal(req(exact('eq', null), '<nil>'), 'fails', 'the text Intercept takes for null is refused: a server reads it as text');
    assert.equal(req(exact('neq', 'draft'), null), 'holds');
    assert.equal(req(exact('in', ['a', null]), null), 'holds');
    assert.equal(req(exact('not_in', ['a']), null), 'holds');
  });

  test('where the coercing reading refuses what Intercept lets through, the condition fails plainly, never "mistyped"', () => {
    assert.equal(req(exact('neq', 0), '0.0'), 'fails', 'a server reads "0.0" as 0');
    assert.equal(req(exact('neq', 0), '1e3'), 'fails', 'readers disagree on an exponent');
    assert.equal(req(exact('eq', 'true'), true), 'fails', 'a boolean may print as True');
    assert.equal(req(exact('contains', 'a'), 42), 'fails');
    assert.equal(req(exact('lte', 100), 'lots'), 'fails');
  });

  test('in a deny_if it refuses when either reading holds', () => {
    const zero = exact('eq', 0);
    assert.equal(trig(zero, 0), 'holds');
    assert.equal(trig(zero, '0.0'), 'holds', 'a server reads "0.0" as 0');
    assert.equal(trig(zero, '1e3'), 'holds', 'readers disagree: refused');
    assert.equal(trig(zero, 'zero'), 'fails');
    assert.equal(trig(exact('eq', null), null), 'holds');
  });
});
