import { createRequire } from 'node:module';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { Durability } from './durability.js';
import { migrateSqlite, type SchemaHistory } from './migrations.js';

/** How often a file's WAL is checkpointed, once it has a thread: also the most an OS crash can take back then. */
const CHECKPOINT_EVERY_MS = 250;
/** A WAL this large (SQLite's own checkpoint point, 1,000 pages) gets its thread; how often that is looked at. */
const THREAD_FROM_WAL_BYTES = 4 * 2 ** 20;
const WAL_LOOK_EVERY_MS = 1_000;

/**
 * The checkpoint thread: a PASSIVE checkpoint never blocks the writers, and its fsyncs are off the event loop that
 * serves calls. A busy file is checkpointed next time (the WAL stays valid meanwhile). Plain JavaScript evaluated
 * by the worker, so it runs the same from the compiled package and from source (a worker does not inherit tsx).
 */
const CHECKPOINT_WORKER = `
  const { parentPort, workerData } = require('node:worker_threads');
  const Database = require(workerData.driver);
  const db = new Database(workerData.file);
  db.pragma('busy_timeout = 5000');
  const checkpoint = () => {
    try { db.pragma('wal_checkpoint(PASSIVE)'); } catch (error) {
      // Busy: next time. Anything else ends the thread, which the gateway reports and replaces.
      if (!/^SQLITE_(BUSY|LOCKED)/.test(error.code)) throw error;
    }
  };
  const timer = setInterval(checkpoint, workerData.intervalMs);
  parentPort.once('message', () => {
    clearInterval(timer);
    checkpoint();
    db.close();
    parentPort.close();
  });
`;
const DRIVER = createRequire(import.meta.url).resolve('better-sqlite3');

/** A file this process has open: how many connections use it, and its checkpoint thread once it has one. */
interface OpenFile {
  connections: number;
  worker?: Worker;
  /** Looks at the WAL's size until the thread starts. */
  watch?: NodeJS.Timeout;
}

const files = new Map<string, OpenFile>();

/**
 * A SQLite file as every part keeps its state in it (counters, grants, the audit log share one by default). WAL
 * lets readers and the writer proceed together; NORMAL sync is durable across a process crash (a `kill -9` loses no
 * committed transaction), FULL (`durability: power`) across a power loss too; processes sharing the file wait their
 * turn rather than fail.
 *
 * Checkpoints run on a thread of their own instead of inside whichever commit crosses SQLite's 1,000-page mark:
 * there each took 3–6 ms with its fsyncs, on the thread that serves calls, and added about 0.08 ms to the mean call
 * with the audit log on (bench). A thread costs 8–16 MiB, so a file gets one only once its WAL reaches that mark:
 * a quiet gateway stays small. From then on the WAL is checkpointed, and synced, every 250 ms.
 *
 * With a part's `history`, its tables are brought up to its latest version (migrations.ts); a file that cannot be
 * is closed and the reason thrown. Close with `closeSqlite`.
 */
export function openSqlite(file: string, history?: SchemaHistory, durability: Durability = 'process'): Database.Database {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma(durability === 'power' ? 'synchronous = FULL' : 'synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  if (!db.memory) {
    db.pragma('wal_autocheckpoint = 0');
    retainCheckpointer(resolve(file));
  }
  if (history) {
    try {
      migrateSqlite(db, history);
    } catch (error) {
      closeSqlite(db);
      throw error;
    }
  }
  return db;
}

/** A trivial read: throws once the connection is closed (what `/readyz` asks a SQLite store; the file is local). */
export function pingSqlite(db: Database.Database): void {
  db.prepare('SELECT 1').get();
}

export function closeSqlite(db: Database.Database): void {
  db.close();
  if (!db.memory) releaseCheckpointer(resolve(db.name));
}

function retainCheckpointer(file: string): void {
  const known = files.get(file);
  if (known) {
    known.connections++;
    return;
  }
  const entry: OpenFile = { connections: 1 };
  files.set(file, entry);
  watchWal(file, entry);
}

/** Looks at the WAL's size until it is large enough for a checkpoint thread, then starts one. */
function watchWal(file: string, entry: OpenFile): void {
  entry.watch = setInterval(() => {
    stat(`${file}-wal`).then(
      ({ size }) => {
        if (size < THREAD_FROM_WAL_BYTES || entry.worker || files.get(file) !== entry) return;
        clearInterval(entry.watch);
        entry.worker = startCheckpointer(file, entry);
      },
      () => {},
    );
  }, WAL_LOOK_EVERY_MS).unref();
}

function startCheckpointer(file: string, entry: OpenFile): Worker {
  const worker = new Worker(CHECKPOINT_WORKER, { eval: true, workerData: { driver: DRIVER, file, intervalMs: CHECKPOINT_EVERY_MS } });
  // It never keeps the process alive: an exit between checkpoints leaves a valid WAL for the next opener.
  worker.unref();
  // Nothing else checkpoints this file: a thread that fails is said so and replaced at the next look.
  const lost = (why: string) => {
    if (entry.worker !== worker || files.get(file) !== entry) return;
    entry.worker = undefined;
    process.emitWarning(`the WAL checkpoint thread of ${file} stopped (${why}); starting another`);
    watchWal(file, entry);
  };
  worker.on('error', (error) => lost(error.message));
  worker.on('exit', (code) => lost(`exit code ${code}`));
  return worker;
}

function releaseCheckpointer(file: string): void {
  const known = files.get(file);
  if (!known || --known.connections > 0) return;
  files.delete(file);
  clearInterval(known.watch);
  // The last checkpoint and close happen on its thread; the worker ends when its port closes.
  known.worker?.postMessage('stop');
}
