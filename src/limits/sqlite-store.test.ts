import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { describeCounterStore } from '../../test/contracts/counter-store.js';
import { SqliteCounterStore } from './sqlite-store.js';

const dir = mkdtempSync(join(tmpdir(), 'toolgate-sqlite-'));
let files = 0;
const freshFile = () => join(dir, `counters-${files++}.db`);

describeCounterStore('the SQLite counter store', async () => new SqliteCounterStore(freshFile()));

const limit = { key: 'grant:a/calls', windowMs: 60_000, max: 30, amount: 1 };

test('a restarted gateway keeps counting where it left off', async () => {
  const file = freshFile();
  const now = Date.now();
  const before = new SqliteCounterStore(file);
  for (let i = 0; i < 20; i++) assert.equal((await before.reserve([limit], now)).kind, 'reserved');
  await before.close();
  const after = new SqliteCounterStore(file);
  const outcomes = await Promise.all(Array.from({ length: 15 }, () => after.reserve([limit], now + 1000)));
  assert.equal(outcomes.filter((o) => o.kind === 'reserved').length, 10);
  await after.close();
});

test('two stores on one file (two processes on one machine) share the counter exactly', async () => {
  const file = freshFile();
  const stores = [new SqliteCounterStore(file), new SqliteCounterStore(file)];
  const now = Date.now();
  const outcomes = await Promise.all(Array.from({ length: 64 }, (_, i) => stores[i % 2]!.reserve([limit], now)));
  assert.equal(outcomes.filter((o) => o.kind === 'reserved').length, 30);
  for (const store of stores) await store.close();
});

test('status leaves out a counter whose window has emptied, though its row is kept until it expires', async () => {
  const store = new SqliteCounterStore(freshFile());
  try {
    const now = 1_000_000;
    await store.reserve([limit], now);
    assert.equal((await store.status(now)).length, 1);
    // Two windows later the row is still there (it expires two windows after its last use), but holds nothing.
    assert.deepEqual(await store.status(now + 90_000), []);
  } finally {
    await store.close();
  }
});

test('a reservation on a store whose file cannot be written rejects rather than hanging', async () => {
  const store = new SqliteCounterStore(freshFile());
  await store.close();
  await assert.rejects(store.reserve([limit], Date.now()));
});
