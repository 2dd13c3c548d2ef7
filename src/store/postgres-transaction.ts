import type { Pool, PoolClient, QueryResult } from 'pg';

/**
 * Runs `work` in one transaction on one connection: committed when it resolves, rolled back when it throws. Apart
 * from the opener (postgres.ts) so the migration runner can use it without loading the driver for SQLite users.
 * `opening`, statements without parameters after the BEGIN (a lock, the reads the work starts from), goes in the
 * same round trip as the BEGIN, and `work` gets their results: on loopback a round trip is most of a short
 * transaction's time.
 */
export async function inTransaction<T>(pool: Pool, work: (client: PoolClient, opened: QueryResult[]) => Promise<T>, opening: readonly string[] = []): Promise<T> {
  const client = await pool.connect();
  try {
    // Several statements in one query come back as one result each; a single one as itself.
    const results = (await client.query(['BEGIN', ...opening].join('; '))) as QueryResult | QueryResult[];
    const result = await work(client, Array.isArray(results) ? results.slice(1) : []);
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
