import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { JsonlAuditSink } from './jsonl-sink.js';
import { MemoryAuditSink } from './memory-sink.js';
import { openAuditSink } from './open-audit-sink.js';
import { SqliteAuditSink } from './sqlite-sink.js';

test('a spec opens the sink it names, and an unknown one is refused with the choices', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'toolgate-audit-open-'));
  for (const [spec, kind] of [['memory', MemoryAuditSink], [`sqlite:${join(dir, 'a.db')}`, SqliteAuditSink], [`jsonl:${join(dir, 'a.jsonl')}`, JsonlAuditSink]] as const) {
    const sink = await openAuditSink(spec);
    assert.ok(sink instanceof kind, spec);
    await sink.close();
  }
  await assert.rejects(openAuditSink('mysql://x'), /unknown audit sink "mysql:\/\/x"; expected sqlite:PATH, a postgres:\/\/ URL, jsonl:PATH, jsonl:- or memory/);
  rmSync(dir, { recursive: true, force: true });
});
