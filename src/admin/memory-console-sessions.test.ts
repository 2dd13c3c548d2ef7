import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryConsoleSessions } from './memory-console-sessions.js';

test('a session is found by its id until it expires or ends, and its id is not what the store keys it by', async () => {
  const sessions = new MemoryConsoleSessions(1_000);
  const created = await sessions.create({ label: 'alice' }, 0);
  assert.match(created.id, /^[0-9A-Za-z]{43}$/);
  assert.notEqual(created.csrf, created.id, 'the CSRF value is not the cookie');
  assert.deepEqual(await sessions.find(created.id, 999), { admin: { label: 'alice' }, csrf: created.csrf, expiresAt: 1_000 });
  assert.equal(await sessions.find(created.id, 1_000), undefined, 'expired at its expiry');
  const other = await sessions.create({ label: 'bob' }, 0);
  const keys = [...(sessions as unknown as { sessions: Map<string, unknown> }).sessions.keys()];
  assert.ok(!keys.includes(other.id), 'the store keeps the id’s hash, not the id');
  await sessions.end(other.id);
  assert.equal(await sessions.find(other.id, 1), undefined, 'ended');
});
