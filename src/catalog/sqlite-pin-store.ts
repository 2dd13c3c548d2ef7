import type Database from 'better-sqlite3';
import type { SchemaHistory } from '../store/migrations.js';
import { closeSqlite, openSqlite, pingSqlite } from '../store/sqlite.js';
import { PIN_COLUMNS, pinFromRow, pinValues, type Pin, type PinRow, type PinStore } from './pin-store.js';

/** The reviewed definitions, and those held for review: one shape, one row per tool. */
const COLUMNS = 'server TEXT NOT NULL, tool TEXT NOT NULL, digest TEXT NOT NULL, definition TEXT NOT NULL, time INTEGER NOT NULL, PRIMARY KEY (server, tool)';
/** The pins' tables through time (store/migrations.ts). */
const HISTORY: SchemaHistory = {
  part: 'pins',
  migrations: [{ version: 1, sql: `CREATE TABLE IF NOT EXISTS toolgate_pins (${COLUMNS}); CREATE TABLE IF NOT EXISTS toolgate_pins_held (${COLUMNS});` }],
};

function prepare(db: Database.Database) {
  return {
    pinned: db.prepare<[string], PinRow>(`SELECT ${PIN_COLUMNS} FROM toolgate_pins WHERE server = ?`),
    pinFirst: db.prepare<unknown[]>(`INSERT INTO toolgate_pins (${PIN_COLUMNS}) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`),
    pin: db.prepare<[string, string], PinRow>(`SELECT ${PIN_COLUMNS} FROM toolgate_pins WHERE server = ? AND tool = ?`),
    hold: db.prepare<unknown[]>(
      `INSERT INTO toolgate_pins_held (${PIN_COLUMNS}) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (server, tool) DO UPDATE SET digest = excluded.digest, definition = excluded.definition, time = excluded.time
       WHERE toolgate_pins_held.digest <> excluded.digest`,
    ),
    heldAll: db.prepare<[], PinRow>(`SELECT ${PIN_COLUMNS} FROM toolgate_pins_held ORDER BY server, tool`),
    heldOf: db.prepare<[string], PinRow>(`SELECT ${PIN_COLUMNS} FROM toolgate_pins_held WHERE server = ? ORDER BY tool`),
    approve: db.prepare<unknown[]>(
      `INSERT INTO toolgate_pins (${PIN_COLUMNS}) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (server, tool) DO UPDATE SET digest = excluded.digest, definition = excluded.definition, time = excluded.time`,
    ),
    release: db.prepare<[string, string]>('DELETE FROM toolgate_pins_held WHERE server = ? AND tool = ?'),
  };
}

/** Pins in the SQLite file the other parts use: every process on the machine that opens it sees an approval. */
export class SqlitePinStore implements PinStore {
  private readonly db: Database.Database;
  private readonly sql: ReturnType<typeof prepare>;

  constructor(file: string) {
    this.db = openSqlite(file, HISTORY);
    this.sql = prepare(this.db);
  }

  async pinned(server: string): Promise<Map<string, Pin>> {
    return new Map(this.sql.pinned.all(server).map((row) => [row.tool, pinFromRow(row)]));
  }

  async pinFirst(pin: Pin): Promise<{ pin: Pin; first: boolean }> {
    const first = this.sql.pinFirst.run(...pinValues(pin)).changes > 0;
    return { pin: first ? pin : pinFromRow(this.sql.pin.get(pin.server, pin.tool)!), first };
  }

  async hold(pin: Pin): Promise<boolean> {
    return this.sql.hold.run(...pinValues(pin)).changes > 0;
  }

  async held(server?: string): Promise<Pin[]> {
    return (server === undefined ? this.sql.heldAll.all() : this.sql.heldOf.all(server)).map(pinFromRow);
  }

  async approve(pin: Pin): Promise<void> {
    this.db.transaction(() => {
      this.sql.approve.run(...pinValues(pin));
      this.sql.release.run(pin.server, pin.tool);
    })();
  }

  async ping(): Promise<void> {
    pingSqlite(this.db);
  }

  async close(): Promise<void> {
    closeSqlite(this.db);
  }
}
