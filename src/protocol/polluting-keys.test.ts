import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pollutingKey } from './polluting-keys.js';

test('a __proto__ key, or prototype under constructor, is found at any depth, as JSON.parse made it', () => {
  assert.equal(pollutingKey(JSON.parse('{"__proto__":{"mode":"force"}}')), 'args.__proto__');
  assert.equal(pollutingKey(JSON.parse('{"a":[{"b":{"__proto__":{}}}]}')), 'args.a[0].b.__proto__');
  assert.equal(pollutingKey(JSON.parse('{"constructor":{"prototype":{"admin":true}}}')), 'args.constructor.prototype');
});

test('ordinary arguments, including keys that only look alike, have none', () => {
  assert.equal(pollutingKey({ mode: 'force', proto: 1, constructor: 'a string', prototype: {} }), undefined);
  assert.equal(pollutingKey(JSON.parse('{"__proto_":1,"x":{"constructor":{"name":"c"}}}')), undefined);
  assert.equal(pollutingKey(undefined), undefined);
  assert.equal(pollutingKey([1, 'two', null]), undefined);
});

test('a deeply nested value is walked without exhausting the stack', () => {
  const deep = JSON.parse('{"a":'.repeat(50_000) + '{"__proto__":1}' + '}'.repeat(50_000)) as unknown;
  assert.match(pollutingKey(deep) ?? '', /__proto__$/);
});
