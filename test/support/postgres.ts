import { randomBytes } from 'node:crypto';
import { after } from 'node:test';
import { Client, escapeIdentifier } from 'pg';
import { unavailable } from './services.js';

/**
 * The PostgreSQL the tests may use (`TOOLGATE_TEST_PG_URL`, set by .ci/run), or why they are skipped: a test that
 * needs a service it cannot reach is reported as skipped, never passed (in CI, an error). `admin` reads and edits raw tables; each
 * test asks `freshSchema()` for a schema of its own, and every one is dropped when the file is done.
 */
export async function testPostgres(): Promise<{ url: string; skip?: string; admin: Client; freshSchema: () => string }> {
  const url = process.env.TOOLGATE_TEST_PG_URL ?? '';
  const admin = new Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  const skip = url
    ? await admin.connect().then(() => undefined, (error: Error) => unavailable(`PostgreSQL at TOOLGATE_TEST_PG_URL is unreachable: ${error.message}`))
    : unavailable('TOOLGATE_TEST_PG_URL is not set');
  const schemas: string[] = [];
  after(async () => {
    if (skip) return;
    for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${escapeIdentifier(schema)} CASCADE`);
    await admin.end();
  });
  const freshSchema = () => {
    schemas.push(`toolgate_test_${process.pid}_${randomBytes(4).toString('hex')}`);
    return schemas.at(-1)!;
  };
  return { url, skip, admin, freshSchema };
}
