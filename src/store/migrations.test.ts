import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { escapeIdentifier } from 'pg';
import { describeMigrations } from '../../test/contracts/migrations.js';
import { testPostgres } from '../../test/support/postgres.js';
import { pendingMigrations, type SchemaHistory } from './migrations.js';
import { openPostgres } from './postgres.js';
import { closeSqlite, openSqlite } from './sqlite.js';

const dir = mkdtempSync(join(tmpdir(), 'toolgate-migrations-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

test('versions are numbered from 1 without gaps, so a skipped or repeated one is caught when the code is written', () => {
  const step = (version: number) => ({ version, sql: '' });
  assert.deepEqual(pendingMigrations({ part: 'p', migrations: [step(1), step(2), step(3)] }, 1).map((m) => m.version), [2, 3]);
  assert.throws(() => pendingMigrations({ part: 'p', migrations: [step(1), step(3)] }, 0), /the p migrations are numbered 1, 2, 3… in order: version 3 is at place 2/);
});

/** A process opening the file with `history` when told, as a gateway starting does; it succeeds if it exits 0. */
async function migratingProcess(file: string, history: SchemaHistory): Promise<{ go: () => Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/migrate-worker.ts', file, JSON.stringify(history)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
  assert.equal(line, 'ready');
  return {
    go: async () => {
      child.stdin.end('go\n');
      const [code] = (await once(child, 'exit')) as [number];
      if (code !== 0) throw new Error(`a process failed to migrate: ${stderr}`);
    },
  };
}

describeMigrations('migrations on SQLite', async () => {
  const file = join(dir, `migrations-${files++}.db`);
  return {
    table: (name) => name,
    migrate: async (history) => closeSqlite(openSqlite(file, history)),
    migrateTogether: async (history, count) => {
      const processes = await Promise.all(Array.from({ length: count }, () => migratingProcess(file, history)));
      return Promise.allSettled(processes.map((process) => process.go()));
    },
    rows: async (sql) => {
      const db = new Database(file, { readonly: true });
      try {
        return db.prepare<[], Record<string, unknown>>(sql).all();
      } finally {
        db.close();
      }
    },
  };
});

const { url, skip, admin, freshSchema } = await testPostgres();

describeMigrations(
  'migrations on PostgreSQL',
  async () => {
    const schema = freshSchema();
    const migrate = async (history: SchemaHistory) => (await openPostgres(url, schema, () => history)).pool.end();
    return {
      table: (name) => `${escapeIdentifier(schema)}.${name}`,
      migrate,
      // Each opens a pool of its own, as replicas do.
      migrateTogether: (history, count) => Promise.allSettled(Array.from({ length: count }, () => migrate(history))),
      rows: async (sql) => (await admin.query(sql)).rows,
    };
  },
  { skip },
);
