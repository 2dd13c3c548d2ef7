import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { decide } from './decide.js';
import { parsePolicy } from './parse.js';
import type { Operator } from './schema.js';

type Kind = 'require' | 'deny_if';

function decision(kind: Kind, op: Operator, value: unknown, args: unknown, path = 'args.x') {
  const text = JSON.stringify({ version: '1', default: 'allow', tools: { t: { [kind]: [{ path, op, ...(value !== undefined && { value }) }] } } });
  return decide(parsePolicy(text, 'p.json').compiled, { tool: 't', args });
}
const refused = (kind: Kind, op: Operator, value: unknown, args: unknown, path?: string) => decision(kind, op, value, args, path).kind !== 'allow';

describe('an argument is compared as the servers read it: quoting a number or a boolean does not step around a rule', () => {
  const cases: [string, Kind, Operator, unknown, unknown[], unknown[]][] = [
    // what, kind, op, value, refused arguments, allowed arguments
    ['require neq 5', 'require', 'neq', 5, [5, '5', ' 5 ', '5.0', '+5', '05', '5e0', '0x5', '5_0', ''], [6, '6', '5.5', 'five']],
    ['deny_if eq 5', 'deny_if', 'eq', 5, [5, '5', '5.', '5e0', '0x5', 'Infinity'], [6, '6', 'five', true]],
    ['require not_in [1337]', 'require', 'not_in', [1337], [1337, '1337', '1337.00', '1.337e3', '1337abc'], [1338, '1338', 'x']],
    ['deny_if in [0, 1] (true and false read as 1 and 0)', 'deny_if', 'in', [0, 1], [0, 1, true, false, '0', '-0', '1.0'], [2, '2', 'zero']],
    ['deny_if eq true', 'deny_if', 'eq', true, [true, 1, '1', 'true', 'True', 'TRUE', ' yes ', 'on', 't', 'Y', 2, 'false', 'off', ''], [false, 0]],
    ['require eq false (a false word is false to pydantic and true to Boolean)', 'require', 'eq', false, [true, 1, 'false', 'no', '0', 'maybe'], [false, 0]],
    // A boolean is "true" to one reader and "True" to another: against either spelling it is refused, whatever the kind.
    ['deny_if not_in ["1337"] (a number sent for a string)', 'deny_if', 'not_in', ['1337', 'true'], [1338, '1338', false, true], [1337, '1337', 'true']],
    ['deny_if eq [1, true] element by element', 'deny_if', 'eq', [1, true], [[1, true], ['1', 'true'], [true, 1], ['1e0', true]], [[1], [2, true], [1, true, 3]]],
    ['deny_if eq {n: 5} field by field', 'deny_if', 'eq', { n: 5 }, [{ n: 5 }, { n: '5' }, { n: '5e0' }], [{ n: 6 }, { n: 5, m: 1 }, {}]],
    ['deny_if contains 7', 'deny_if', 'contains', 7, [[7], ['7'], [1, ' 7'], 'x7'], [[8], []]],
    ['require lte 100 (a numeric string is its number)', 'require', 'lte', 100, [101, '101', '1e2', '0x10', 'Infinity', 'lots', '100.5'], [100, '100', ' 99.5 ', true, false]],
    ['deny_if gt 0', 'deny_if', 'gt', 0, [1, '1', true, '1e-3', 'NaN'], [0, '0', '-1', false]],
  ];
  for (const [what, kind, op, value, refusedArgs, allowedArgs] of cases) {
    test(what, () => {
      for (const x of refusedArgs) assert.ok(refused(kind, op, value, { x }), `${JSON.stringify(x)} should be refused`);
      for (const x of allowedArgs) assert.ok(!refused(kind, op, value, { x }), `${JSON.stringify(x)} should be allowed`);
    });
  }

  test('null is absent: exists does not count it, a require on it refuses, a deny_if on it does not', () => {
    assert.ok(refused('require', 'exists', undefined, { x: null }));
    assert.ok(!refused('deny_if', 'exists', undefined, { x: null }));
    assert.ok(!refused('require', 'exists', false, { x: null }));
    assert.ok(refused('require', 'neq', 'prod', { x: null }), 'a server would take its default, as if x were left out');
    assert.ok(!refused('deny_if', 'eq', 'prod', { x: null }));
    assert.ok(refused('require', 'neq', 'prod', { x: ['dev', null] }, 'args.x[*]'), 'a null element fails a require through [*]');
  });

  test('a policy cannot compare with null: it says to use exists', () => {
    assert.throws(() => decision('deny_if', 'eq', null, {}), /\/tools\/t\/deny_if\/0\/value: null stands for an absent argument; use "exists"/);
    assert.throws(() => decision('require', 'in', [1, null], {}), /\/tools\/t\/require\/0\/value: null stands for an absent argument/);
  });

  test('a refusal for an argument servers read differently says how to write it', () => {
    const denied = decision('deny_if', 'eq', 5, { x: '5e0' });
    assert.equal(denied.kind === 'deny' && denied.message, 'Tool "t": args.x must be written plainly (a number in digits, a boolean as true or false)');
  });
});

/**
 * The property: whatever the condition, no encoding of a value the policy refuses is allowed. A value is generated
 * of the type of the policy's value (the field's type), and encoded as coercing servers would accept it for that
 * type: numbers as decimal strings (padded, signed, with a zero fraction), 0 and 1 as false and true; booleans as
 * 1/0 and their words; strings as the numbers and booleans whose `String()` they are.
 */
describe('no encoding of a value the policy refuses is allowed', () => {
  type Type = 'number' | 'boolean' | 'string';
  const scalars: Record<Type, fc.Arbitrary<unknown>> = {
    number: fc.oneof(fc.integer({ min: -3, max: 12 }), fc.constantFrom(0, 1, -0.5, 2.5, 1337, 10_000)),
    boolean: fc.boolean(),
    string: fc.oneof(fc.constantFrom('5', '1337', '-2.5', 'true', 'false', 'True', 'yes', '', ' 5', '0x5', '1e3', 'prod', 'a5b'), fc.string({ maxLength: 3 })),
  };

  function encode(type: Type, v: unknown): unknown[] {
    if (type === 'number') {
      const n = v as number;
      const forms: unknown[] = [String(n), ` ${n} `, `${n}\n`, n >= 0 ? `+${n}` : `-${-n}`];
      if (Number.isInteger(n)) forms.push(`${n}.0`, `${n}.`, n >= 0 ? `0${n}` : `-0${-n}`);
      if (n === 0 || n === 1) forms.push(n === 1);
      return forms;
    }
    if (type === 'boolean') return v ? [1, '1', 'true', 'True', 'TRUE', ' yes', 'on', 't', 'Y'] : [0, '0', 'false', 'False', 'no', 'off', 'f', 'n'];
    const s = v as string;
    const forms: unknown[] = [];
    if (s.trim() !== '' && String(Number(s)) === s) forms.push(Number(s));
    if (s === 'true' || s === 'True' || s === 'false' || s === 'False') forms.push(s.toLowerCase() === 'true');
    return forms;
  }

  /** Every way of encoding one part of a (possibly nested) value, and of encoding all of it at once. */
  function encodings(type: Type, v: unknown): unknown[] {
    if (Array.isArray(v)) {
      const one = v.flatMap((item, i) => encodings(type, item).map((e) => v.map((other, j) => (i === j ? e : other))));
      const all = v.map((item) => encodings(type, item)[0] ?? item);
      return [...one, all];
    }
    if (typeof v === 'object' && v !== null) {
      const entries = Object.entries(v);
      return entries.flatMap(([key, item]) => encodings(type, item).map((e) => ({ ...v, [key]: e })));
    }
    return encode(type, v);
  }

  const shaped = (scalar: fc.Arbitrary<unknown>) => fc.oneof(scalar, fc.array(scalar, { minLength: 1, maxLength: 3 }), fc.record({ a: scalar, b: scalar }));

  /** A condition, and a plain argument that is often the condition's own value (so that it matches). */
  const cases = fc.constantFrom<Type>('number', 'boolean', 'string').chain((type) => {
    const scalar = scalars[type];
    const condition = fc.oneof(
      fc.record({ op: fc.constantFrom<Operator>('eq', 'neq'), value: shaped(scalar) }),
      fc.record({ op: fc.constantFrom<Operator>('in', 'not_in'), value: fc.array(scalar, { minLength: 1, maxLength: 3 }) }),
      fc.record({ op: fc.constantFrom<Operator>('contains'), value: scalar }),
      ...(type === 'number' ? [fc.record({ op: fc.constantFrom<Operator>('lt', 'lte', 'gt', 'gte'), value: scalar })] : []),
      ...(type === 'string' ? [fc.record({ op: fc.constantFrom<Operator>('regex'), value: fc.constantFrom('^5$', 'a', '^\\d+$', 'true') })] : []),
      fc.record({ op: fc.constantFrom<Operator>('exists'), value: fc.constantFrom(true, false) }),
    );
    return fc.record({ type: fc.constant(type), kind: fc.constantFrom<Kind>('require', 'deny_if'), condition }).chain((c) => {
      const { op, value } = c.condition;
      const own = op === 'exists' || op === 'regex' ? scalar : Array.isArray(value) && (op === 'in' || op === 'not_in') ? fc.constantFrom(...value) : fc.constant(value);
      const argument = op === 'contains' ? fc.oneof(fc.array(fc.oneof(own, scalar), { maxLength: 3 }), scalar) : fc.oneof(own, shaped(scalar));
      return fc.record({ c: fc.constant(c), plain: argument, each: fc.boolean() });
    });
  });

  test('for every operator, both kinds of condition, and arguments reached directly or through [*]', () => {
    fc.assert(
      fc.property(cases, ({ c, plain, each }) => {
        const { kind, condition, type } = c;
        const path = each ? 'args.x[*]' : 'args.x';
        const args = (x: unknown) => ({ x: each ? [x] : x });
        if (!refused(kind, condition.op, condition.value, args(plain), path)) return;
        for (const encoded of encodings(type, plain)) {
          assert.ok(refused(kind, condition.op, condition.value, args(encoded), path), `${JSON.stringify(plain)} is refused but its encoding ${JSON.stringify(encoded)} is allowed`);
        }
      }),
      { numRuns: 3_000 },
    );
  });
});
