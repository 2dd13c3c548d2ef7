import { escapeIdentifier, Pool } from 'pg';

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
