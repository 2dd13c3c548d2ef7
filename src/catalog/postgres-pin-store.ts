import type { Pool } from 'pg';
import type { SchemaHistory } from '../store/migrations.js';
import { openPostgres, pingPostgres } from '../store/postgres.js';
import { inTransaction } from '../store/postgres-transaction.js';
import { PIN_COLUMNS, pinFromRow, pinValues, type Pin, type PinRow, type PinStore } from './pin-store.js';

/** The pins' tables through time (store/migrations.ts): the reviewed definitions, and those held for review. */
function history(table: (name: string) => string): SchemaHistory {
  const columns = 'server TEXT NOT NULL, tool TEXT NOT NULL, digest TEXT NOT NULL, definition TEXT NOT NULL, time BIGINT NOT NULL, PRIMARY KEY (server, tool)';
  const sql = `CREATE TABLE IF NOT EXISTS ${table('toolgate_pins')} (${columns}); CREATE TABLE IF NOT EXISTS ${table('toolgate_pins_held')} (${columns});`;
  return { part: 'pins', migrations: [{ version: 1, sql }] };
}

/** Pins in PostgreSQL, shared by every replica: a tool is pinned by whichever sees it first, and approved once for all. */
export class PostgresPinStore implements PinStore {
  private constructor(
    private readonly pool: Pool,
    private readonly pins: string,
    private readonly pending: string,
  ) {}

  /** Connects to a `postgres://` URL and brings the tables up to date; `schema` as for the grant store. */
  static async open(url: string, options: { schema?: string } = {}): Promise<PostgresPinStore> {
    const { pool, table } = await openPostgres(url, options.schema, history);
    return new PostgresPinStore(pool, table('toolgate_pins'), table('toolgate_pins_held'));
  }

  async pinned(server: string): Promise<Map<string, Pin>> {
    const { rows } = await this.pool.query<PinRow>(`SELECT ${PIN_COLUMNS} FROM ${this.pins} WHERE server = $1`, [server]);
    return new Map(rows.map((row) => [row.tool, pinFromRow(row)]));
  }

  async pinFirst(pin: Pin): Promise<{ pin: Pin; first: boolean }> {
    // Two replicas pinning at once: the insert that loses does nothing, and reads back the pin that won.
    const { rowCount } = await this.pool.query(`INSERT INTO ${this.pins} (${PIN_COLUMNS}) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`, pinValues(pin));
    if ((rowCount ?? 0) > 0) return { pin, first: true };
    const { rows } = await this.pool.query<PinRow>(`SELECT ${PIN_COLUMNS} FROM ${this.pins} WHERE server = $1 AND tool = $2`, [pin.server, pin.tool]);
    return { pin: pinFromRow(rows[0]!), first: false };
  }

  async hold(pin: Pin): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `INSERT INTO ${this.pending} AS h (${PIN_COLUMNS}) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (server, tool) DO UPDATE SET digest = excluded.digest, definition = excluded.definition, time = excluded.time
       WHERE h.digest <> excluded.digest`,
      pinValues(pin),
    );
    return (rowCount ?? 0) > 0;
  }

  async held(server?: string): Promise<Pin[]> {
    const { rows } =
      server === undefined
        ? await this.pool.query<PinRow>(`SELECT ${PIN_COLUMNS} FROM ${this.pending} ORDER BY server COLLATE "C", tool COLLATE "C"`)
        : await this.pool.query<PinRow>(`SELECT ${PIN_COLUMNS} FROM ${this.pending} WHERE server = $1 ORDER BY tool COLLATE "C"`, [server]);
    return rows.map(pinFromRow);
  }

  async approve(pin: Pin): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      await client.query(
        `INSERT INTO ${this.pins} (${PIN_COLUMNS}) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (server, tool) DO UPDATE SET digest = excluded.digest, definition = excluded.definition, time = excluded.time`,
        pinValues(pin),
      );
      await client.query(`DELETE FROM ${this.pending} WHERE server = $1 AND tool = $2`, [pin.server, pin.tool]);
    });
  }

  ping(): Promise<void> {
    return pingPostgres(this.pool);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
