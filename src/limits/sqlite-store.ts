import type Database from 'better-sqlite3';
import type { SchemaHistory } from '../store/migrations.js';
import type { Durability } from '../store/durability.js';
import { closeSqlite, openSqlite, pingSqlite } from '../store/sqlite.js';
import { counterName, merged, type CounterRequest, type CounterStatus, type CounterStore, type Refused, type Reserved } from './counter-store.js';
import { add, advance, bucketOf, emptyWindow, freesInMs, retryAfterMs, used, type WindowState } from './window.js';

/** The counters' table through time (store/migrations.ts). */
const HISTORY: SchemaHistory = {
  part: 'counters',
  migrations: [
    {
      version: 1,
      sql: `CREATE TABLE IF NOT EXISTS toolgate_counters (
        key TEXT PRIMARY KEY,
        window_ms INTEGER NOT NULL,
        head INTEGER NOT NULL,
        counts TEXT NOT NULL,
        expires_at INTEGER NOT NULL
      )`,
    },
  ],
};

/** How many batches between deletions of counters whose window has passed. */
const PRUNE_EVERY = 1_000;

interface Row {
  head: number;
  counts: string;
}

interface Pending {
  items: readonly CounterRequest[];
  now: number;
  resolve(outcome: Reserved | Refused): void;
  reject(error: Error): void;
}

interface StatusRow extends Row {
  key: string;
  window_ms: number;
}

/**
 * Counters in one SQLite file: the embedded default. They survive a restart, and several gateway processes on one
 * machine may share the file: each reservation is one IMMEDIATE transaction, so two processes never both take the
 * last unit. The arithmetic is window.ts's, as in every store.
 */
export class SqliteCounterStore implements CounterStore {
  private readonly db: Database.Database;
  private readonly select: Database.Statement<[string], Row>;
  private readonly upsert: Database.Statement<[string, number, number, string, number]>;
  private readonly all: Database.Statement<[number], StatusRow>;
  private readonly update: Database.Statement<[string, string]>;
  private readonly prune: Database.Statement<[number]>;
  private readonly reserveTx: (batch: readonly Pending[]) => (Reserved | Refused)[];
  private readonly rollbackTx: (reservation: Reserved) => void;
  private untilPrune = PRUNE_EVERY;
  private queue: Pending[] = [];

  constructor(file: string, durability: Durability = 'process') {
    this.db = openSqlite(file, HISTORY, durability);
    this.select = this.db.prepare('SELECT head, counts FROM toolgate_counters WHERE key = ?');
    this.upsert = this.db.prepare(
      'INSERT INTO toolgate_counters (key, window_ms, head, counts, expires_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET head = excluded.head, counts = excluded.counts, expires_at = excluded.expires_at',
    );
    this.update = this.db.prepare('UPDATE toolgate_counters SET counts = ? WHERE key = ?');
    this.all = this.db.prepare('SELECT key, window_ms, head, counts FROM toolgate_counters WHERE expires_at >= ? ORDER BY key');
    this.prune = this.db.prepare('DELETE FROM toolgate_counters WHERE expires_at < ?');
    const reserve = this.db.transaction((batch: readonly Pending[]) => batch.map(({ items, now }) => this.reserveIn(items, now)));
    this.reserveTx = (batch) => reserve.immediate(batch);
    const rollback = this.db.transaction((reservation: Reserved) => this.rollbackIn(reservation));
    this.rollbackTx = (reservation) => rollback.immediate(reservation);
  }

  /**
   * Reservations made in one turn of the event loop share one transaction: each is still checked and taken on its
   * own, in order, so counting stays exact, but the transaction's cost is paid once per batch. (One transaction per
   * call held the gateway to about 6,000 calls/s under load; batched, the store stops being what limits it.)
   */
  reserve(items: readonly CounterRequest[], now: number): Promise<Reserved | Refused> {
    return new Promise((resolve, reject) => {
      this.queue.push({ items, now, resolve, reject });
      if (this.queue.length === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const batch = this.queue.splice(0);
    if (--this.untilPrune <= 0) {
      this.untilPrune = PRUNE_EVERY;
      this.prune.run(Date.now());
    }
    try {
      const outcomes = this.reserveTx(batch);
      batch.forEach((pending, i) => pending.resolve(outcomes[i]!));
    } catch (error) {
      for (const pending of batch) pending.reject(error as Error);
    }
  }

  async commit(): Promise<void> {}

  async rollback(reservation: Reserved): Promise<void> {
    this.rollbackTx(reservation);
  }

  async status(now: number): Promise<CounterStatus[]> {
    const counters: CounterStatus[] = [];
    for (const row of this.all.all(now)) {
      const state = { head: row.head, counts: JSON.parse(row.counts) as number[] };
      advance(state, row.window_ms, now);
      const inWindow = used(state);
      if (inWindow > 0) counters.push({ key: counterName(row.key), windowMs: row.window_ms, used: inWindow, freesInMs: freesInMs(state, row.window_ms, now) });
    }
    return counters;
  }

  async ping(): Promise<void> {
    pingSqlite(this.db);
  }

  async close(): Promise<void> {
    closeSqlite(this.db);
  }

  private load(key: string): WindowState {
    const row = this.select.get(key);
    return row ? { head: row.head, counts: JSON.parse(row.counts) as number[] } : emptyWindow();
  }

  private store(key: string, windowMs: number, state: WindowState, now: number): void {
    // A counter is kept two windows past its last use, then pruned.
    this.upsert.run(key, windowMs, state.head, JSON.stringify(state.counts), now + 2 * windowMs);
  }

  private reserveIn(items: readonly CounterRequest[], now: number): Reserved | Refused {
    const checks = merged(items).map(({ request, index, refusedBy }) => {
      const state = this.load(request.key);
      advance(state, request.windowMs, now);
      return { request, index, refusedBy, state };
    });
    for (const { request, refusedBy, state } of checks) {
      if (used(state) + request.amount > request.max) {
        return { kind: 'refused', index: refusedBy, retryAfterMs: retryAfterMs(state, request.windowMs, request.max, request.amount, now) };
      }
    }
    const taken = checks.map(({ request, index, state }) => {
      const bucket = bucketOf(request.windowMs, now);
      add(state, bucket, request.amount);
      this.store(request.key, request.windowMs, state, now);
      return { key: request.key, windowMs: request.windowMs, bucket, amount: request.amount, index, used: used(state) };
    });
    return { kind: 'reserved', items: taken };
  }

  private rollbackIn(reservation: Reserved): void {
    for (const item of reservation.items) {
      const row = this.select.get(item.key);
      if (!row) continue;
      const state = { head: row.head, counts: JSON.parse(row.counts) as number[] };
      add(state, item.bucket, -item.amount);
      this.update.run(JSON.stringify(state.counts), item.key);
    }
  }
}
