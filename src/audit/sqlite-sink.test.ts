import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { decision, describeAuditSink, outcome } from '../../test/contracts/audit-sink.js';
import { SqliteAuditSink } from './sqlite-sink.js';
import { INDEX_EVERY, keyedPageQuery } from './sqlite-audit-keys.js';
import type { AuditFilter } from './audit-sink.js';

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

test('every filter of a page is read from an index of the keys and the uncopied entries by seq, so a page of a big log does not read it all', async () => {
  const file = join(dir, `audit-${files++}.db`);
  await new SqliteAuditSink(file).close();
  const db = new Database(file);
  try {
    const plan = (filter: AuditFilter) => {
      const params: unknown[] = [];
      const sql = keyedPageQuery(filter, { limit: 100, order: 'desc', after: 500 }, (value) => (params.push(value), '?'));
      return db.prepare<unknown[], { detail: string }>(`EXPLAIN QUERY PLAN ${sql}`).all(...params).map((row) => row.detail);
    };
    for (const filter of [{ server: 'files' }, { tool: 'read' }, { decision: 'denied' as const }, { requestId: 'req-1' }, { server: 'files', tool: 'read' }, { kind: 'policy' as const }]) {
      const steps = plan(filter);
      const where = `${JSON.stringify(filter)}: ${steps.join(' | ')}`;
      assert.ok(steps.some((step) => /SEARCH toolgate_audit_keys USING (COVERING )?INDEX/.test(step)), `the keys by an index: ${where}`);
      assert.ok(steps.some((step) => /SEARCH toolgate_audit USING INTEGER PRIMARY KEY \(rowid>\? AND rowid<\?\)/.test(step)), `the uncopied entries by seq: ${where}`);
      assert.ok(!steps.some((step) => /^SCAN toolgate_audit|TEMP B-TREE/.test(step)) || filter.requestId, `read in seq order, not scanned or sorted: ${where}`);
    }
    const grant = plan({ grant: 'ci-agent' });
    assert.ok(['grant_id', 'grant_label'].every((column) => grant.some((step) => step.includes(`INDEX toolgate_audit_keys_${column} `))), `a grant by id and by label: ${grant.join(' | ')}`);
    const log = db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'toolgate_audit'").all();
    assert.deepEqual(log, [], 'the log itself has no index to write with every batch');
  } finally {
    db.close();
  }
});

test('outcome rows written before they carried their decision\'s columns (a log at version 1) are filled when it is upgraded, and found by a filter again', async () => {
  const file = join(dir, `audit-${files++}.db`);
  const sink = new SqliteAuditSink(file);
  for (let n = 1; n <= 3; n++) {
    await sink.append(decision(n));
    await sink.append(outcome(n));
  }
  await sink.close();
  const db = new Database(file);
  db.exec("UPDATE toolgate_audit SET grant_id = NULL, grant_label = NULL, server = NULL, tool = NULL, decision = NULL WHERE kind = 'outcome'");
  db.exec("DELETE FROM toolgate_migrations WHERE part = 'audit' AND version >= 2; DROP TABLE toolgate_audit_keys");
  db.close();
  const reopened = new SqliteAuditSink(file);
  try {
    const { entries } = await reopened.query({ tool: decision(2).tool! }, { limit: 100 });
    assert.deepEqual(entries.map((c) => c.entry.kind), ['decision', 'outcome']);
    assert.deepEqual(await reopened.verify(), { ok: true, count: 6 }, 'the copies are no part of the entries');
  } finally {
    await reopened.close();
  }
});

test('the keys are copied from the log in batches, once each, by whichever sink sharing the file writes the batch that reaches the mark', async () => {
  const file = join(dir, `audit-${files++}.db`);
  const [one, two] = [new SqliteAuditSink(file), new SqliteAuditSink(file)];
  const counts = () => {
    const db = new Database(file, { readonly: true });
    try {
      return db.prepare<[], { log: number; keys: number }>('SELECT (SELECT count(*) FROM toolgate_audit) AS log, (SELECT count(*) FROM toolgate_audit_keys) AS keys').get()!;
    } finally {
      db.close();
    }
  };
  try {
    let n = 0;
    const batch = (sink: SqliteAuditSink, size: number) => Promise.all(Array.from({ length: size }, () => sink.append(decision(++n))));
    await batch(one, INDEX_EVERY - 1);
    assert.deepEqual(counts(), { log: INDEX_EVERY - 1, keys: 0 }, 'below the mark, nothing is copied');
    await batch(two, 1);
    assert.deepEqual(counts(), { log: INDEX_EVERY, keys: INDEX_EVERY }, 'the other sink’s batch reached the mark and copied every entry');
    await batch(one, 10);
    assert.deepEqual(counts(), { log: INDEX_EVERY + 10, keys: INDEX_EVERY });
    // An outcome whose decision neither sink remembers (a third process) still gets its decision's columns, whether
    // that decision was copied to the keys or is still waiting.
    const third = new SqliteAuditSink(file);
    try {
      await third.append(outcome(1));
      await third.append(outcome(INDEX_EVERY + 5));
      for (const m of [1, INDEX_EVERY + 5]) {
        const found = (await third.query({ tool: decision(m).tool!, requestId: `req-${m}` }, { limit: 10 })).entries.map((c) => c.entry.kind);
        assert.deepEqual(found, ['decision', 'outcome'], `request ${m}: its outcome is found by its decision's tool`);
      }
      assert.equal((await third.prune(decision(100).time)), 99);
      assert.equal(counts().keys, INDEX_EVERY - 99, 'a prune deletes the keys of the entries it deletes');
      assert.deepEqual(await third.verify(), { ok: true, count: INDEX_EVERY + 12 - 99 });
    } finally {
      await third.close();
    }
  } finally {
    await one.close();
    await two.close();
  }
});
