import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { decision, outcome } from '../../test/contracts/audit-sink.js';
import { canonical } from '../documents/canonical-json.js';
import { canonicalSplit, chain, GENESIS, GENESIS_ANCHOR, hashLink, linkHash, verifyChain, verifyPages } from './chain.js';

test('canonical JSON sorts keys at every depth and leaves out undefined', () => {
  assert.equal(canonical({ b: 1, a: { d: [1, { f: 2, e: undefined }], c: 'x' }, u: undefined }), '{"a":{"c":"x","d":[1,{"f":2}]},"b":1}');
});

test('a link hashes the previous hash, the seq and the canonical entry', () => {
  const entry = outcome(1);
  const expected = createHash('sha256').update(`${GENESIS}\n1\n${canonical(entry)}`).digest('hex');
  assert.equal(linkHash(GENESIS, 1, entry), expected);
  assert.equal(GENESIS, '0'.repeat(64));
});

test('verify names the first broken link: an edit, a relinked entry, a gap', () => {
  const entries = chain(GENESIS_ANCHOR, [decision(1), outcome(1), decision(2), decision(3)]);
  assert.deepEqual(verifyChain(entries), { ok: true, count: 4 });
  const edited = entries.map((c) => (c.seq === 2 ? { ...c, entry: { ...outcome(1), upstreamMs: 1 } } : c));
  assert.deepEqual(verifyChain(edited), { ok: false, seq: 2, reason: 'entry 2 was changed after it was written' });
  const rehashed = edited.map((c) => (c.seq === 2 ? { ...c, hash: linkHash(c.prevHash, 2, c.entry) } : c));
  assert.deepEqual(verifyChain(rehashed), { ok: false, seq: 3, reason: 'entry 3 does not link to the entry before it' });
  assert.deepEqual(verifyChain(entries.filter((c) => c.seq !== 3)), { ok: false, seq: 4, reason: 'entry 3 is missing (found 4 next)' });
  assert.deepEqual(verifyChain(entries.slice(2), { seq: 3, prevHash: entries[1]!.hash }), { ok: true, count: 2 }, 'from an anchor');
});

test('canonical JSON of an object and of its rest come from one serialisation, and chain hashes texts given to it', () => {
  const entry = decision(3, { args: { b: [1, undefined, { d: 1, c: 2 }], a: 'ü' }, message: undefined });
  const { whole, rest } = canonicalSplit(entry, new Set(['kind', 'requestId', 'time']));
  assert.equal(whole, canonical(entry));
  const { kind: _k, requestId: _r, time: _t, ...others } = entry;
  assert.equal(rest, canonical(others));
  assert.equal(hashLink(GENESIS, 1, whole), linkHash(GENESIS, 1, entry));
  assert.deepEqual(chain(GENESIS_ANCHOR, [entry], [whole]), chain(GENESIS_ANCHOR, [entry]));
});

test('canonical JSON writes undefined in a list as null, as JSON.stringify does', () => {
  assert.equal(canonical([1, undefined, { a: undefined }]), '[1,null,{}]');
  assert.equal(canonical([1, undefined]), JSON.stringify([1, undefined]));
});

test('a chain read a page at a time verifies across pages, asking for each page after the last seq seen, and names a break on a later page', async () => {
  const entries = chain(GENESIS_ANCHOR, [decision(1), outcome(1), decision(2), decision(3), outcome(3)]);
  const asked: number[] = [];
  const pages = (list: typeof entries) => (afterSeq: number) => (asked.push(afterSeq), list.filter((e) => e.seq > afterSeq).slice(0, 2));
  assert.deepEqual(await verifyPages(GENESIS_ANCHOR, pages(entries)), { ok: true, count: 5 });
  assert.deepEqual(asked, [0, 2, 4, 5]);
  const edited = entries.map((c) => (c.seq === 4 ? { ...c, entry: decision(9) } : c));
  assert.deepEqual(await verifyPages(GENESIS_ANCHOR, pages(edited)), { ok: false, seq: 4, reason: 'entry 4 was changed after it was written' });
  const relinked = entries.map((c) => (c.seq === 3 ? { ...c, prevHash: GENESIS } : c));
  assert.deepEqual(await verifyPages(GENESIS_ANCHOR, pages(relinked)), { ok: false, seq: 3, reason: 'entry 3 does not link to the entry before it' });
});
