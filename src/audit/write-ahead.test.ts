import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SqliteAuditSink } from './sqlite-sink.js';

const WRITER = new URL('../../test/fixtures/audit-writer.ts', import.meta.url).pathname;

test('kill -9 under load loses no entry whose append had resolved, and the chain verifies', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'toolgate-audit-kill-'));
  const file = join(dir, 'audit.db');
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, file], { stdio: ['ignore', 'pipe', 'inherit'] });
  let printed = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (printed += chunk));
  // Kill once a few thousand appends are acknowledged, mid-run.
  const exited = new Promise((resolve) => child.on('exit', resolve));
  await new Promise<void>((resolve) => {
    void exited.then(() => resolve());
    const check = setInterval(() => {
      if (printed.split('\n').length > 3_000) {
        clearInterval(check);
        resolve();
      }
    }, 5);
  });
  assert.ok(child.kill('SIGKILL'), 'the writer was still running');
  await exited;
  const acknowledged = printed.split('\n').slice(0, -1).map(Number); // the last piece may be a torn line
  const sink = new SqliteAuditSink(file);
  try {
    const verified = await sink.verify();
    assert.equal(verified.ok, true);
    const count = verified.ok ? verified.count : 0;
    // The chain verifies from seq 1 without a gap, so every seq up to the count is there.
    assert.ok(count >= Math.max(...acknowledged), `${count} entries stored, seq ${Math.max(...acknowledged)} was acknowledged`);
    assert.ok(acknowledged.length >= 3_000);
  } finally {
    await sink.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
