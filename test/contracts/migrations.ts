import assert from 'node:assert/strict';
import { describe, test as nodeTest } from 'node:test';
import type { SchemaHistory } from '../../src/store/migrations.js';

/** A fresh, empty database (a SQLite file, a PostgreSQL schema) as the migration runner meets it. */
export interface MigrationTarget {
  /** A table's name where the runner puts it. */
  table(name: string): string;
  /** Opens the database with `history`, as a store does, and closes it. */
  migrate(history: SchemaHistory): Promise<void>;
  /** `count` runners opening the database at once, each with a connection (a pool, a process) of its own. */
  migrateTogether(history: SchemaHistory, count: number): Promise<PromiseSettledResult<unknown>[]>;
  /** Reads rows beside the runner. */
  rows(sql: string): Promise<Record<string, unknown>[]>;
}

/**
 * A part whose steps cannot be run twice (a second CREATE TABLE, ADD COLUMN or INSERT fails or shows), so a runner
 * that applied one twice is seen. Version 1 writes 20,000 rows as well, so runners that do not wait for each other
 * overlap within it.
 */
function things(table: (name: string) => string, versions = 2): SchemaHistory {
  const filler = `CREATE TABLE ${table('filler')} AS WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000) SELECT i FROM n`;
  const migrations = [
    { version: 1, sql: `CREATE TABLE ${table('things')} (id INTEGER PRIMARY KEY, name TEXT NOT NULL); ${filler}` },
    { version: 2, sql: `ALTER TABLE ${table('things')} ADD COLUMN colour TEXT; INSERT INTO ${table('things')} (id, name, colour) VALUES (1, 'first', 'red')` },
  ];
  return { part: 'things', migrations: migrations.slice(0, versions) };
}

/** What the runner must do on every database it serves, with `fresh` making an empty one. */
export function describeMigrations(name: string, fresh: () => Promise<MigrationTarget>, options: { skip?: string } = {}): void {
  // The skip is given to each test, so the summary counts them as skipped (a skipped suite counts as passed).
  const test = (title: string, body: () => Promise<void>) => nodeTest(title, { skip: options.skip }, body);
  const applied = async (target: MigrationTarget) =>
    (await target.rows(`SELECT version FROM ${target.table('toolgate_migrations')} WHERE part = 'things' ORDER BY version`)).map((row) => Number(row.version));

  describe(name, () => {
    test('a fresh database gets every version, in order, each recorded', async () => {
      const target = await fresh();
      await target.migrate(things(target.table));
      assert.deepEqual(await applied(target), [1, 2]);
      assert.deepEqual(await target.rows(`SELECT id, name, colour FROM ${target.table('things')}`), [{ id: 1, name: 'first', colour: 'red' }]);
    });

    test('a database at version 1 gets version 2 only', async () => {
      const target = await fresh();
      await target.migrate(things(target.table, 1));
      assert.deepEqual(await applied(target), [1]);
      // Version 1 again would fail: the table exists.
      await target.migrate(things(target.table));
      assert.deepEqual(await applied(target), [1, 2]);
      await target.migrate(things(target.table));
      assert.deepEqual(await applied(target), [1, 2], 'a database up to date is left as it is');
    });

    test('runners opening one database at once all succeed, and apply each version exactly once', async () => {
      const target = await fresh();
      const outcomes = await target.migrateTogether(things(target.table), 10);
      assert.deepEqual(
        outcomes.filter((outcome) => outcome.status === 'rejected'),
        [],
        'every runner opened the database',
      );
      assert.deepEqual(await applied(target), [1, 2]);
      assert.deepEqual(await target.rows(`SELECT id FROM ${target.table('things')}`), [{ id: 1 }], 'version 2 inserted its row once');
    });

    test('a database a newer Toolgate upgraded is refused, and left as it is', async () => {
      const target = await fresh();
      await target.migrate(things(target.table));
      await assert.rejects(target.migrate(things(target.table, 1)), { message: 'the things tables are at version 2; this Toolgate knows up to 1: upgrade Toolgate' });
      assert.deepEqual(await applied(target), [1, 2]);
    });

    test('a migration that fails is rolled back whole, and the recorded version stays', async () => {
      const target = await fresh();
      await target.migrate(things(target.table, 1));
      const failing = {
        part: 'things',
        migrations: [...things(target.table, 1).migrations, { version: 2, sql: `CREATE TABLE ${target.table('extra')} (x INTEGER); INSERT INTO ${target.table('missing')} VALUES (1)` }],
      };
      await assert.rejects(target.migrate(failing), /missing/);
      assert.deepEqual(await applied(target), [1]);
      await assert.rejects(target.rows(`SELECT x FROM ${target.table('extra')}`), /extra/, 'the table the failed version made is gone with it');
      await target.migrate(things(target.table));
      assert.deepEqual(await applied(target), [1, 2], 'the version applies once it is fixed');
    });
  });
}
