import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { decision, describeAuditSink, outcome } from '../../test/contracts/audit-sink.js';
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

test('an edit to any column of a row, or to its body, fails verify at that row', async () => {
  const file = join(dir, `audit-${files++}.db`);
  const sink = new SqliteAuditSink(file);
  for (let n = 1; n <= 3; n++) {
    await sink.append(decision(n));
    await sink.append(outcome(n));
  }
  await sink.close();
  const edits = [
    "time = time + 1",
    "kind = 'outcome'",
    "request_id = 'req-x'",
    "grant_id = 'gr_x'",
    "grant_label = 'someone-else'",
    "server = 'other'",
    'tool = NULL',
    "decision = 'denied'",
    "body = replace(body, 'sha256:abc', 'sha256:abd')",
  ];
  for (const edit of edits) {
    const copy = join(dir, `audit-${files++}.db`);
    copyFileSync(file, copy);
    raw(copy, `UPDATE toolgate_audit SET ${edit} WHERE seq = ?`, 3);
    const check = new SqliteAuditSink(copy);
    try {
      assert.deepEqual(await check.verify(), { ok: false, seq: 3, reason: 'entry 3 was changed after it was written' }, edit);
    } finally {
      await check.close();
    }
  }
});
