import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';

/** How often a file's WAL is checkpointed: also the most an OS crash or power loss can take back. */
const CHECKPOINT_EVERY_MS = 250;

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
    try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {}
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

/** The checkpoint thread of each file this process has open, and how many connections use it. */
const checkpointers = new Map<string, { worker: Worker; connections: number }>();

/**
 * A SQLite file as every part keeps its state in it (counters, grants, the audit log share one by default). WAL
 * lets readers and the writer proceed together; NORMAL sync is durable across a process crash (a `kill -9` loses no
 * committed transaction); processes sharing the file wait their turn rather than fail.
 *
 * Checkpoints run on a thread of their own, every 250 ms, instead of inside whichever commit crosses SQLite's
 * 1,000-page mark: there each took 3–6 ms with its fsyncs, on the thread that serves calls, and added about 0.1 ms
 * to the mean call with the audit log on (bench). The WAL is synced at every checkpoint, so an OS crash or power loss
 * takes back at most the last 250 ms, where the page mark could leave hours unsynced on a quiet gateway.
 * Close with `closeSqlite`.
 */
export function openSqlite(file: string): Database.Database {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  if (!db.memory) {
    db.pragma('wal_autocheckpoint = 0');
    retainCheckpointer(resolve(file));
  }
  return db;
}

export function closeSqlite(db: Database.Database): void {
  db.close();
  if (!db.memory) releaseCheckpointer(resolve(db.name));
}

function retainCheckpointer(file: string): void {
  const known = checkpointers.get(file);
  if (known) {
    known.connections++;
    return;
  }
  const worker = new Worker(CHECKPOINT_WORKER, { eval: true, workerData: { driver: DRIVER, file, intervalMs: CHECKPOINT_EVERY_MS } });
  // It never keeps the process alive: an exit between checkpoints leaves a valid WAL for the next opener.
  worker.unref();
  checkpointers.set(file, { worker, connections: 1 });
}

function releaseCheckpointer(file: string): void {
  const known = checkpointers.get(file);
  if (!known || --known.connections > 0) return;
  checkpointers.delete(file);
  // The last checkpoint and close happen on its thread; the worker ends when its port closes.
  known.worker.postMessage('stop');
}
