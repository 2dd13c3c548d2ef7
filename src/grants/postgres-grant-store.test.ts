import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escapeIdentifier } from 'pg';
import { describeGrantStore, rowsAsText } from '../../test/contracts/grant-store.js';
import { testPostgres } from '../../test/support/postgres.js';
import { GrantError, Grants } from './grants.js';
import { openGrantStore } from './open-grant-store.js';
import { PostgresGrantStore } from './postgres-grant-store.js';

const { url, skip, admin, freshSchema } = await testPostgres();

async function rawText(schema: string): Promise<string> {
  const tables = ['toolgate_grants', 'toolgate_credentials'].map((table) => `${escapeIdentifier(schema)}.${table}`);
  const rows = await Promise.all(tables.map(async (table) => (await admin.query(`SELECT * FROM ${table}`)).rows));
  return rowsAsText(rows.flat());
}

describeGrantStore(
  'the PostgreSQL grant store',
  async () => {
    const schema = freshSchema();
    return { store: await PostgresGrantStore.open(url, { schema }), rawText: () => rawText(schema) };
  },
  { skip },
);

const NOW = 1_700_000_000_000;

test('a revocation through one replica is seen at once by another', { skip }, async () => {
  const schema = freshSchema();
  const [first, second] = await Promise.all([PostgresGrantStore.open(url, { schema }), PostgresGrantStore.open(url, { schema })]);
  const { token } = await new Grants(first).create({ label: 'a', servers: ['*'] }, NOW);
  const there = new Grants(second);
  assert.equal((await there.authenticate(token, NOW + 1)).kind, 'ok');
  await new Grants(first).revoke('a', NOW + 2);
  assert.deepEqual(await there.authenticate(token, NOW + 3), { kind: 'rejected', reason: 'revoked' });
  await first.close();
  await second.close();
});

test('two replicas creating the same label at once: exactly one gets it', { skip }, async () => {
  const schema = freshSchema();
  const stores = await Promise.all(Array.from({ length: 4 }, () => PostgresGrantStore.open(url, { schema })));
  const outcomes = await Promise.allSettled(stores.map((store) => new Grants(store).create({ label: 'only-one', servers: ['*'] }, NOW)));
  assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 1);
  assert.ok(outcomes.every((o) => o.status === 'fulfilled' || o.reason instanceof GrantError));
  for (const store of stores) await store.close();
});

test('a postgresql:// spec opens the PostgreSQL store, which creates its tables and records their version', { skip }, async () => {
  const schema = freshSchema();
  await admin.query(`CREATE SCHEMA ${escapeIdentifier(schema)}`);
  const spec = new URL(url);
  spec.protocol = 'postgresql:';
  spec.searchParams.set('options', `-c search_path=${schema}`);
  const store = await openGrantStore(spec.href);
  assert.ok(store instanceof PostgresGrantStore);
  await store.close();
  const { rows } = await admin.query('SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY tablename', [schema]);
  assert.deepEqual(rows.map((row) => row.tablename), ['toolgate_credentials', 'toolgate_grants', 'toolgate_migrations']);
  const versions = await admin.query(`SELECT part, version FROM ${escapeIdentifier(schema)}.toolgate_migrations`);
  assert.deepEqual(versions.rows, [{ part: 'grants', version: 1 }]);
});
