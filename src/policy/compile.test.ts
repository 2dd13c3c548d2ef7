import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decide } from './decide.js';
import { parsePolicy } from './parse.js';

const compile = (document: object) => parsePolicy(JSON.stringify(document), 'p.json').compiled;
const problem = (document: object) => {
  try {
    compile(document);
  } catch (error) {
    return (error as Error).message;
  }
  assert.fail('the policy compiled');
};

test('the version is the first 12 hex characters of the document hash', () => {
  assert.match(compile({ version: '1', default: 'deny' }).version, /^[0-9a-f]{12}$/);
});

test('a counter shared by several rules must have one scope', () => {
  const limit = { counter: 'shared', window: 'minute', max: 5 };
  assert.match(
    problem({ version: '1', default: 'deny', tools: { a: { limits: [limit] }, b: { limits: [{ ...limit, scope: 'session' }] } } }),
    /\/tools\/b\/limits\/0: counter "shared" is also defined at \/tools\/a\/limits\/0 with a different window, max or scope/,
  );
});

test('a clash is located at the first definition of the counter, however many rules share it', () => {
  const limit = { counter: 'shared', window: 'minute', max: 5 };
  assert.match(
    problem({ version: '1', default: 'deny', tools: { a: { limits: [limit] }, b: { limits: [limit] }, c: { limits: [{ ...limit, max: 6 }] } } }),
    /\/tools\/c\/limits\/0: counter "shared" is also defined at \/tools\/a\/limits\/0/,
  );
  assert.match(
    problem({ version: '1', default: 'deny', tools: { a: { limits: [limit, limit, limit] } } }),
    /\/tools\/a\/limits\/2: counter "shared" is already counted by this rule at \/tools\/a\/limits\/0/,
  );
});

test('an invalid regular expression in an approval condition is located there', () => {
  assert.match(
    problem({ version: '1', default: 'deny', tools: { t: { approval: { when: [{ path: 'args.x', op: 'regex', value: '(' }] } } } }),
    /\/tools\/t\/approval\/when\/0\/value: invalid regular expression/,
  );
});

test('among patterns of equal precedence, the one written first governs', () => {
  const p = compile({ version: '1', default: 'deny', tools: { 'a_*': { deny: true }, '*_b': {}, 'x_*': {} } });
  assert.equal(decide(p, { tool: 'a_b', args: {} }).rule, '/tools/a_*');
  const q = compile({ version: '1', default: 'deny', tools: { 'x_*': {}, '*_b': {}, 'a_*': { deny: true } } });
  assert.equal(decide(q, { tool: 'a_b', args: {} }).rule, '/tools/*_b');
});
