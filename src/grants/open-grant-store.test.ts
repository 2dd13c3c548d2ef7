import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { MemoryGrantStore } from './memory-grant-store.js';
import { openGrantStore } from './open-grant-store.js';
import { SqliteGrantStore } from './sqlite-grant-store.js';

test('a grant store is chosen by its spec', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'toolgate-grants-'));
  try {
    assert.ok((await openGrantStore('memory')) instanceof MemoryGrantStore);
    const sqlite = await openGrantStore(`sqlite:${join(dir, 'toolgate.db')}`);
    assert.ok(sqlite instanceof SqliteGrantStore);
    await sqlite.close();
    await assert.rejects(openGrantStore('redis://127.0.0.1'), /unknown grant store "redis:\/\/127.0.0.1"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
