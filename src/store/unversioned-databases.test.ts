import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { escapeIdentifier } from 'pg';
import { PostgresApprovalStore } from '../approvals/postgres-approval-store.js';
import { SqliteApprovalStore } from '../approvals/sqlite-approval-store.js';
import { PostgresAuditSink } from '../audit/postgres-sink.js';
import { SqliteAuditSink } from '../audit/sqlite-sink.js';
import { PostgresPinStore } from '../catalog/postgres-pin-store.js';
import { SqlitePinStore } from '../catalog/sqlite-pin-store.js';
import { PostgresGrantStore } from '../grants/postgres-grant-store.js';
import { SqliteGrantStore } from '../grants/sqlite-grant-store.js';
import { SqliteCounterStore } from '../limits/sqlite-store.js';
import { postgresBeforeVersions, SQLITE_BEFORE_VERSIONS } from '../../test/fixtures/unversioned-schemas.js';
import { testPostgres } from '../../test/support/postgres.js';

/**
 * A database the release before versioned migrations made has every table and no record of versions: each part
 * takes it as it is, keeps its rows, brings it to its latest version, and ends with the tables a new database has.
 */
const dir = mkdtempSync(join(tmpdir(), 'toolgate-unversioned-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const LATEST = [
  { part: 'approvals', version: 1 },
  { part: 'audit', version: 2 },
  { part: 'grants', version: 1 },
  { part: 'pins', version: 1 },
];
const GRANT = "INSERT INTO {grants} (id, label, servers, created_at) VALUES ('g1', 'agent', '[\"a\"]', 1)";
// A decision, and its outcome as rows were written before outcomes carried their decision's columns.
const AUDIT = `INSERT INTO {audit} (seq, time, kind, request_id, grant_id, grant_label, server, tool, decision, body, prev_hash, hash) VALUES
  (1, 1, 'decision', 'r1', 'g1', 'agent', 'a', 'echo', 'allowed', '{}', 'p0', 'h1'), (2, 2, 'outcome', 'r1', NULL, NULL, NULL, NULL, NULL, '{}', 'h1', 'h2')`;
const rowsOf = (sql: string, table: (name: string) => string) => sql.replace('{grants}', table('toolgate_grants')).replace('{audit}', table('toolgate_audit'));

test('a SQLite file made before versions opens with every part, keeps its rows, and ends as a new file is', async () => {
  const old = join(dir, 'old.db');
  const db = new Database(old);
  db.exec(SQLITE_BEFORE_VERSIONS);
  db.exec(rowsOf(GRANT, (name) => name));
  db.exec(rowsOf(AUDIT, (name) => name));
  db.close();
  const fresh = join(dir, 'fresh.db');
  for (const file of [old, fresh]) {
    for (const Store of [SqliteCounterStore, SqliteGrantStore, SqliteAuditSink, SqlitePinStore, SqliteApprovalStore]) await new Store(file).close();
  }

  const grants = new SqliteGrantStore(old);
  assert.deepEqual((await grants.listGrants()).map((grant) => grant.label), ['agent'], 'the grant is kept');
  await grants.close();
  const read = (file: string, sql: string) => {
    const connection = new Database(file, { readonly: true });
    try {
      return connection.prepare(sql).all();
    } finally {
      connection.close();
    }
  };
  assert.deepEqual(read(old, "SELECT server, tool, decision FROM toolgate_audit WHERE kind = 'outcome'"), [{ server: 'a', tool: 'echo', decision: 'allowed' }], "version 2 filled the outcome's copies");
  assert.deepEqual(read(old, 'SELECT seq, kind, tool FROM toolgate_audit_keys ORDER BY seq'), [{ seq: 1, kind: 'decision', tool: 'echo' }, { seq: 2, kind: 'outcome', tool: 'echo' }], 'version 3 keyed the rows there');
  assert.deepEqual(read(old, 'SELECT part, version FROM toolgate_migrations ORDER BY part, version'), [
    { part: 'approvals', version: 1 },
    { part: 'audit', version: 1 },
    { part: 'audit', version: 2 },
    { part: 'audit', version: 3 },
    { part: 'counters', version: 1 },
    { part: 'grants', version: 1 },
    { part: 'pins', version: 1 },
  ]);
  // Stored as written but for IF NOT EXISTS; the two spell the same statements with other spaces.
  const schema = (file: string) =>
    (read(file, 'SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name') as { name: string; sql: string }[]).map(({ name, sql }) => ({
      name,
      sql: sql.replace(/\s+/g, ' ').replace(/\( /g, '(').replace(/ \)/g, ')'),
    }));
  assert.deepEqual(schema(old), schema(fresh));
});

const { url, skip, admin, freshSchema } = await testPostgres();

test('a PostgreSQL schema made before versions opens with every part, keeps its rows, and ends as a new schema is', { skip }, async () => {
  const [old, fresh] = [freshSchema(), freshSchema()];
  const table = (name: string) => `${escapeIdentifier(old)}.${name}`;
  await admin.query(`CREATE SCHEMA ${escapeIdentifier(old)}`);
  await admin.query(postgresBeforeVersions(escapeIdentifier(old)));
  await admin.query(rowsOf(GRANT, table));
  await admin.query(rowsOf(AUDIT, table));
  for (const schema of [old, fresh]) {
    for (const Store of [PostgresGrantStore, PostgresAuditSink, PostgresPinStore, PostgresApprovalStore]) await (await Store.open(url, { schema })).close();
  }

  const grants = await PostgresGrantStore.open(url, { schema: old });
  assert.deepEqual((await grants.listGrants()).map((grant) => grant.label), ['agent'], 'the grant is kept');
  await grants.close();
  const { rows: outcomes } = await admin.query(`SELECT server, tool, decision FROM ${table('toolgate_audit')} WHERE kind = 'outcome'`);
  assert.deepEqual(outcomes, [{ server: 'a', tool: 'echo', decision: 'allowed' }], "version 2 filled the outcome's copies");
  const { rows: versions } = await admin.query(`SELECT part, MAX(version) AS version FROM ${table('toolgate_migrations')} GROUP BY part ORDER BY part`);
  assert.deepEqual(versions, LATEST);
  const shape = async (schema: string) => {
    const columns = await admin.query(
      `SELECT table_name, column_name, data_type, is_nullable, collation_name FROM information_schema.columns WHERE table_schema = $1 ORDER BY table_name, column_name`,
      [schema],
    );
    const indexes = await admin.query('SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = $1 ORDER BY indexname', [schema]);
    return { columns: columns.rows, indexes: indexes.rows.map((row) => ({ ...row, indexdef: row.indexdef.replaceAll(schema, 'SCHEMA') })) };
  };
  assert.deepEqual(await shape(old), await shape(fresh));
});
