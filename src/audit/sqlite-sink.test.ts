import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import Database from 'better-sqlite3';
import { describeAuditSink } from '../../test/contracts/audit-sink.js';
import { SqliteAuditSink } from './sqlite-sink.js';

const dir = mkdtempSync(join(tmpdir(), 'toolgate-audit-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

/** Raw SQL on the file, as someone with the file but not the gateway would write it. */
function raw(file: string, sql: string, seq: number): void {
  const db = new Database(file);
  try {
    db.prepare(sql).run(seq);
  } finally {
    db.close();
  }
}

describeAuditSink('the SQLite audit sink', async () => {
  const file = join(dir, `audit-${files++}.db`);
  return {
    sink: new SqliteAuditSink(file),
    edit: async (seq) => raw(file, "UPDATE toolgate_audit SET decision = 'allowed', grant_label = 'someone-else' WHERE seq = ?", seq),
    remove: async (seq) => raw(file, 'DELETE FROM toolgate_audit WHERE seq = ?', seq),
    share: async () => new SqliteAuditSink(file),
  };
});
