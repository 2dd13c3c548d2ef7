import { escapeIdentifier, Pool, type PoolClient } from 'pg';

/** A gateway whose database cannot be reached says so after this long instead of holding the request forever. */
const CONNECT_TIMEOUT_MS = 5_000;

/**
 * A pool for a `postgres://` URL, and how to name a table in the given schema (the connection's search path when
 * none is given; tests give one each).
 */
export function openPostgres(url: string, schema: string | undefined): { pool: Pool; table: (name: string) => string } {
  const pool = new Pool({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  // An idle connection that drops is discarded and replaced at the next query; unheard, the event would end the process.
  pool.on('error', () => {});
  return { pool, table: (name) => (schema === undefined ? name : `${escapeIdentifier(schema)}.${name}`) };
}

/** Runs `work` in one transaction on one connection: committed when it resolves, rolled back when it throws. */
export async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    // The failure is the error to report, whatever becomes of the rollback.
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/**
 * Creates a part's schema and tables if they are missing. Replicas starting together would race on CREATE … IF NOT
 * EXISTS (which is not safe concurrently); an advisory lock named for the part lets one create them and the others
 * find them made.
 */
export function createTables(pool: Pool, part: string, schema: string | undefined, ddl: string): Promise<void> {
  return inTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [part]);
    if (schema !== undefined) await client.query(`CREATE SCHEMA IF NOT EXISTS ${escapeIdentifier(schema)}`);
    await client.query(ddl);
  });
}

/** A round trip on one of the pool's connections (made if none is idle): what `/readyz` asks a PostgreSQL store. */
export async function pingPostgres(pool: Pool): Promise<void> {
  await pool.query('SELECT 1');
}
