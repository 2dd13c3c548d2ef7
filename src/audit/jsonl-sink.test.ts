import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { decision, describeAuditSink } from '../../test/contracts/audit-sink.js';
import { JsonlAuditSink } from './jsonl-sink.js';
import { openAuditSink } from './open-audit-sink.js';

const dir = mkdtempSync(join(tmpdir(), 'toolgate-audit-jsonl-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const freshFile = () => join(dir, `audit-${files++}.jsonl`);

/** Rewrites the file with the line for `seq` changed or left out, as an editor of the file would. */
function rewrite(file: string, seq: number, change: (line: string) => string[]): void {
  const lines = readFileSync(file, 'utf8').split('\n').filter((line) => line !== '');
  const edited = lines.flatMap((line) => ((JSON.parse(line) as { seq?: number }).seq === seq ? change(line) : [line]));
  writeFileSync(file, edited.map((line) => `${line}\n`).join(''));
}

describeAuditSink('the JSON lines audit sink', async () => {
  const file = freshFile();
  return {
    sink: await JsonlAuditSink.open(file),
    edit: async (seq) => rewrite(file, seq, (line) => [line.replace('"allowed"', '"denied"').replace('sha256:abc', 'sha256:abd')]),
    remove: async (seq) => rewrite(file, seq, () => []),
  };
});

test('a reopened file continues the chain, and a line torn by a crash is cut', async () => {
  const file = freshFile();
  const first = await JsonlAuditSink.open(file);
  for (let n = 1; n <= 3; n++) await first.append(decision(n));
  await first.close();
  appendFileSync(file, '{"entry":{"kind":"deci');
  const reopened = await JsonlAuditSink.open(file);
  assert.equal((await reopened.append(decision(4))).seq, 4);
  assert.deepEqual(await reopened.verify(), { ok: true, count: 4 });
  await reopened.close();
});

test('jsonl:- writes to stdout and says it cannot be read back', async () => {
  const sink = await openAuditSink('jsonl:-');
  await assert.rejects(sink.verify(), /stdout \(jsonl:-\), so it cannot be read back/);
  await assert.rejects(sink.prune(0), /cannot be read back/);
  await sink.close();
});
