import { escapeIdentifier, Pool } from 'pg';
import { migratePostgres, type SchemaHistory } from './migrations.js';

/** A gateway whose database cannot be reached says so after this long instead of holding the request forever. */
const CONNECT_TIMEOUT_MS = 5_000;

/** A pool, and where its part's tables are. */
export interface PostgresDatabase {
  readonly pool: Pool;
  /** A table's name in the schema given (the connection's search path when none is given). */
  readonly table: (name: string) => string;
  /** The schema given, quoted; created with the part's tables. */
  readonly schema: string | undefined;
}

/**
 * A pool for a `postgres://` URL, its tables in the given schema (tests give one each), brought up to the part's
 * latest version (migrations.ts). `session` runs on each new connection before anything else (a client runs its
 * queries in order). A database that cannot be brought up is closed and the reason thrown.
 */
export async function openPostgres(url: string, schema: string | undefined, history: (table: PostgresDatabase['table']) => SchemaHistory, session: readonly string[] = []): Promise<PostgresDatabase> {
  const pool = new Pool({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  // A setting that fails to apply leaves the server's own in force: the connection still works.
  if (session.length > 0) pool.on('connect', (client) => void client.query(session.join('; ')).catch(() => {}));
  // An idle connection that drops is discarded and replaced at the next query; unheard, the event would end the process.
  pool.on('error', () => {});
  const quoted = schema === undefined ? undefined : escapeIdentifier(schema);
  const database: PostgresDatabase = { pool, table: (name) => (quoted === undefined ? name : `${quoted}.${name}`), schema: quoted };
  try {
    await migratePostgres(database, history(database.table));
  } catch (error) {
    await pool.end();
    throw error;
  }
  return database;
}

/** A round trip on one of the pool's connections (made if none is idle): what `/readyz` asks a PostgreSQL store. */
export async function pingPostgres(pool: Pool): Promise<void> {
  await pool.query('SELECT 1');
}
