import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { closeSqlite, openSqlite } from './sqlite.js';

const dir = mkdtempSync(join(tmpdir(), 'toolgate-sqlite-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const until = async (predicate: () => boolean, what: string) => {
  for (let i = 0; i < 250 && !predicate(); i++) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.ok(predicate(), what);
};

test('commits never checkpoint on the writing thread; once the WAL is large, a thread of its own checkpoints it within seconds', async () => {
  const file = join(dir, 'state.db');
  const db = openSqlite(file);
  try {
    assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 0);
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)');
    const insert = db.prepare('INSERT INTO t (body) VALUES (?)');
    const before = statSync(file).size;
    // About 2,000 pages: past SQLite's own 1,000-page mark, so an automatic checkpoint would have run by now.
    db.transaction(() => {
      for (let i = 0; i < 2_000; i++) insert.run('x'.repeat(3_000));
    })();
    assert.equal(statSync(file).size, before, 'the commit itself did not checkpoint');
    await until(() => statSync(file).size > 5_000_000, 'the background checkpoint copied the pages into the file');
  } finally {
    closeSqlite(db);
  }
});

test('connections to one file share its checkpoint thread, and a closed one does not stop it for the others', async () => {
  const file = join(dir, 'shared.db');
  const first = openSqlite(file);
  const second = openSqlite(file);
  first.exec('CREATE TABLE t (body TEXT)');
  closeSqlite(first);
  try {
    const before = statSync(file).size;
    second.transaction(() => {
      for (let i = 0; i < 2_000; i++) second.prepare('INSERT INTO t VALUES (?)').run('y'.repeat(3_000));
    })();
    await until(() => statSync(file).size > before + 5_000_000, 'still checkpointed after the first connection closed');
  } finally {
    closeSqlite(second);
  }
});
