import assert from 'node:assert/strict';
import { test } from 'node:test';
import { requestId } from './request-id.js';

test('request ids are RFC 9562 version 7 UUIDs whose first 48 bits are the time in milliseconds', () => {
  const before = Date.now();
  const id = requestId();
  const after = Date.now();
  assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  const time = parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
  assert.ok(time >= before && time <= after, `${time} within [${before}, ${after}]`);
});

test('ids made later sort after earlier ones, and no two are alike', async () => {
  const first = Array.from({ length: 1000 }, requestId);
  await new Promise((resolve) => setTimeout(resolve, 2));
  const later = requestId();
  assert.ok(first.every((id) => id < later));
  assert.equal(new Set(first).size, first.length);
});
