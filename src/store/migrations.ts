import type Database from 'better-sqlite3';
import type { PostgresDatabase } from './postgres.js';
import { inTransaction } from './postgres-transaction.js';

/**
 * One step of a part's tables: applied once, in order, in the transaction that records it. The steps up to the
 * schema of the release before versions were recorded are idempotent (CREATE … IF NOT EXISTS): a database it made
 * has those tables and no record, and is brought up to date by running them all.
 */
export interface Migration {
  readonly version: number;
  /** One or more statements. */
  readonly sql: string;
}

/** A part's tables through time: its name as the configuration says it (`audit`), and its versions from 1. */
export interface SchemaHistory {
  readonly part: string;
  readonly migrations: readonly Migration[];
}

/** What each database records: a row per version applied, so a version is applied at most once per part. */
const MIGRATIONS_TABLE = 'toolgate_migrations';
const createMigrationsTable = (table: string) =>
  `CREATE TABLE IF NOT EXISTS ${table} (part TEXT NOT NULL, version INTEGER NOT NULL, applied_at BIGINT NOT NULL, PRIMARY KEY (part, version))`;

/** A database a newer Toolgate upgraded: this one does not know what its tables mean, so it does not use them. */
export class SchemaTooNewError extends Error {}

/** The versions a part at `applied` lacks, in order; a part past the last version known is refused. */
export function pendingMigrations({ part, migrations }: SchemaHistory, applied: number): readonly Migration[] {
  migrations.forEach(({ version }, i) => {
    if (version !== i + 1) throw new Error(`the ${part} migrations are numbered 1, 2, 3… in order: version ${version} is at place ${i + 1}`);
  });
  if (applied > migrations.length) {
    throw new SchemaTooNewError(`the ${part} tables are at version ${applied}; this Toolgate knows up to ${migrations.length}: upgrade Toolgate`);
  }
  return migrations.slice(applied);
}

/**
 * Brings a part's tables in a SQLite file up to date. BEGIN IMMEDIATE takes the file's write lock before the version
 * is read, so of several processes opening the file at once one applies what is missing and the others, waiting
 * (busy_timeout), find it applied.
 */
export function migrateSqlite(db: Database.Database, history: SchemaHistory, now: () => number = Date.now): void {
  const migrate = db.transaction(() => {
    db.exec(createMigrationsTable(MIGRATIONS_TABLE));
    const { applied } = db.prepare<[string], { applied: number }>(`SELECT COALESCE(MAX(version), 0) AS applied FROM ${MIGRATIONS_TABLE} WHERE part = ?`).get(history.part)!;
    const record = db.prepare<[string, number, number]>(`INSERT INTO ${MIGRATIONS_TABLE} (part, version, applied_at) VALUES (?, ?, ?)`);
    for (const { version, sql } of pendingMigrations(history, applied)) {
      db.exec(sql);
      record.run(history.part, version, now());
    }
  });
  migrate.immediate();
}

/**
 * Brings a part's tables in PostgreSQL up to date, in one transaction under the part's advisory lock
 * (pg_advisory_xact_lock), so replicas starting at once apply each version once and the others find it applied.
 * CREATE … IF NOT EXISTS is not safe concurrently either, so the schema and the record table are made first under a
 * lock of their own.
 */
export async function migratePostgres({ pool, table, schema }: PostgresDatabase, history: SchemaHistory, now: () => number = Date.now): Promise<void> {
  const migrations = table(MIGRATIONS_TABLE);
  const lock = 'SELECT pg_advisory_xact_lock(hashtext($1))';
  await inTransaction(pool, async (client) => {
    await client.query(lock, [migrations]);
    if (schema !== undefined) await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(createMigrationsTable(migrations));
  });
  await inTransaction(pool, async (client) => {
    await client.query(lock, [`${migrations}:${history.part}`]);
    const { rows } = await client.query<{ applied: number }>(`SELECT COALESCE(MAX(version), 0) AS applied FROM ${migrations} WHERE part = $1`, [history.part]);
    for (const { version, sql } of pendingMigrations(history, rows[0]!.applied)) {
      await client.query(sql);
      await client.query(`INSERT INTO ${migrations} (part, version, applied_at) VALUES ($1, $2, $3)`, [history.part, version, now()]);
    }
  });
}
