import Database from 'better-sqlite3';

/**
 * A SQLite file as every part keeps its state in it (counters, grants, the audit log share one by default). WAL
 * lets readers and the writer proceed together; NORMAL sync is durable across a process crash (a `kill -9` loses no
 * committed transaction; an OS crash may lose the last moments, never corrupt the file); processes sharing the file
 * wait their turn rather than fail.
 */
export function openSqlite(file: string): Database.Database {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  return db;
}
