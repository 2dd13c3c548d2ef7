import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decision, outcome } from '../../test/contracts/audit-sink.js';
import { MemoryAuditSink } from './memory-sink.js';
import { checkHead, parseHead } from './published-head.js';

const HASH = 'ab'.repeat(32);

test('a head is SEQ:HASH as the gateway logs it', () => {
  assert.deepEqual(parseHead(`12:${HASH}`), { seq: 12, hash: HASH });
  for (const bad of ['12', `0:${HASH}`, `x:${HASH}`, '12:abc', `12:${HASH.toUpperCase()}`, ` 12:${HASH}`]) {
    assert.throws(() => parseHead(bad), { message: `"${bad}" is not SEQ:HASH (the auditSeq and the 64 hex digits of auditHash a gateway logged as the audit chain head)` });
  }
});

async function filled(): Promise<MemoryAuditSink> {
  const sink = new MemoryAuditSink();
  for (let n = 1; n <= 5; n++) {
    await sink.append(decision(n));
    await sink.append(outcome(n));
  }
  return sink;
}

test('the entry at the head still has its hash: ok', async () => {
  const sink = await filled();
  const { seq, hash } = sink.entries[6]!;
  assert.deepEqual(await checkHead(sink, { seq, hash }), { seq, hash, ok: true });
});

test('entries cut from the end, or another hash at the head, fail it', async () => {
  const sink = await filled();
  const head = { seq: 10, hash: sink.entries[9]!.hash };
  assert.deepEqual(await checkHead(sink, { seq: 7, hash: HASH }), { seq: 7, hash: HASH, ok: false, reason: `entry 7 has hash ${sink.entries[6]!.hash}, not the published ${HASH}: the log was changed and its hashes recomputed since` });
  sink.entries.splice(7);
  assert.deepEqual(await checkHead(sink, head), { ...head, ok: false, reason: 'the log ends at entry 7, before the published head 10: entries were deleted from its end' });
  sink.entries.splice(0);
  assert.deepEqual(await checkHead(sink, head), { ...head, ok: false, reason: 'the log is empty, but entry 10 was published: its entries were deleted' });
});

test('once pruned, a head is checked against the oldest kept entry\'s link if that is the next entry, and fails further back', async () => {
  const sink = await filled();
  const heads = sink.entries.slice(0, 4).map(({ seq, hash }) => ({ seq, hash }));
  await sink.prune(decision(3).time);
  assert.equal(sink.entries[0]!.seq, 5);
  assert.deepEqual(await checkHead(sink, heads[3]!), { ...heads[3]!, ok: true });
  assert.deepEqual(await checkHead(sink, { ...heads[3]!, hash: HASH }), {
    ...heads[3]!,
    hash: HASH,
    ok: false,
    reason: `entry 5 links to ${heads[3]!.hash}, not the published head ${HASH}: the log was changed and its hashes recomputed since`,
  });
  assert.deepEqual(await checkHead(sink, heads[2]!), { ...heads[2]!, ok: false, reason: 'entry 3 is not in the log, which starts at entry 5 (pruned, or deleted from the start): check a newer head' });
});
