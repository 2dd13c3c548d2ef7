import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { JsonSequence } from './json-sequence.js';

/** Feeds `text` cut at `cuts` and returns every value, as a transport reading a body in chunks would. */
function split(text: string, cuts: number[] = []): unknown[] {
  const sequence = new JsonSequence();
  const values: unknown[] = [];
  let from = 0;
  for (const cut of [...new Set(cuts)].filter((c) => c > 0 && c < text.length).sort((a, b) => a - b)) {
    values.push(...sequence.push(text.slice(from, cut)));
    from = cut;
  }
  values.push(...sequence.push(text.slice(from)), ...sequence.end());
  return values;
}

test('one object, whole or pretty-printed, is one value', () => {
  assert.deepEqual(split('{"jsonrpc":"2.0","id":1,"result":{}}'), [{ jsonrpc: '2.0', id: 1, result: {} }]);
  assert.deepEqual(split(JSON.stringify({ a: { b: [1, { c: '}' }] } }, null, 2)), [{ a: { b: [1, { c: '}' }] } }]);
});

test('messages one per line (as servers send in one application/json body) come out one by one', () => {
  const lines = '{"jsonrpc":"2.0","method":"a"}\n{"jsonrpc":"2.0","method":"b"}\n';
  assert.deepEqual(split(lines), [
    { jsonrpc: '2.0', method: 'a' },
    { jsonrpc: '2.0', method: 'b' },
  ]);
});

test('a value is handed on as soon as it is complete, before the body ends', () => {
  const sequence = new JsonSequence();
  assert.deepEqual(sequence.push('{"method":"ack"}\n{"meth'), [{ method: 'ack' }]);
  assert.deepEqual(sequence.push('od":"changed"}'), [{ method: 'changed' }]);
  assert.deepEqual(sequence.end(), []);
});

test('braces and quotes inside strings do not end a value', () => {
  assert.deepEqual(split('{"text":"a \\"}\\" {\\\\"}{"n":2}'), [{ text: 'a "}" {\\' }, { n: 2 }]);
});

test('what is not JSON comes out as an error, and what follows it is still read', () => {
  const [bad, good] = split('{"a":nope}\n{"b":1}');
  assert.ok(bad instanceof Error);
  assert.deepEqual(good, { b: 1 });
  assert.ok(split('{"unfinished":')[0] instanceof Error);
});

test('any sequence of objects, pretty-printed or not, cut anywhere, comes out as the same objects', () => {
  const object = fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 4 });
  fc.assert(
    fc.property(fc.array(object, { maxLength: 5 }), fc.array(fc.nat(400)), fc.boolean(), (objects, cuts, pretty) => {
      const text = objects.map((o) => JSON.stringify(o, null, pretty ? 2 : undefined)).join('\n');
      assert.deepEqual(split(text, cuts), JSON.parse(JSON.stringify(objects)));
    }),
  );
});
