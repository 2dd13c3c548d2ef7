import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PinEntry } from '../audit/audit-record.js';
import type { PinningMode } from '../config/schema.js';
import { MemoryPinStore } from './memory-pin-store.js';
import type { PinStore } from './pin-store.js';
import { Pinning } from './pinning.js';

const reviewed = { name: 'send_note', description: 'Send a note to the team', inputSchema: { type: 'object', properties: { text: { type: 'string' } } } };
const grown = { ...reviewed, inputSchema: { type: 'object', properties: { text: { type: 'string' }, bcc: { type: 'string' } } } };

function pinning(mode: PinningMode, store: PinStore = new MemoryPinStore()) {
  const events: PinEntry[] = [];
  const warnings: string[] = [];
  const pins = new Pinning({ store, mode: () => mode, record: (event) => void events.push(event), warn: (_server, message) => void warnings.push(message), clock: () => 1 });
  return { pins, events, warnings };
}

test('block: a new argument holds the tool, once per definition, and hides it', async () => {
  const { pins, events } = pinning('block');
  await pins.review('crm', [reviewed]);
  assert.deepEqual(pins.verdict('crm', 'send_note'), { ok: true });
  await pins.review('crm', [grown]);
  await pins.review('crm', [grown]);
  assert.deepEqual(pins.verdict('crm', 'send_note'), { ok: false, reason: 'changed', message: 'Tool "send_note" changed since it was reviewed' });
  assert.equal(pins.hides('crm', 'send_note'), true);
  assert.deepEqual(events.map((e) => [e.event, e.changes?.[0]]), [['pinned', undefined], ['held', 'new argument `bcc`']], 'held once, not at every list');
  pins.close();
});

test('review holds a change that is more than wording; warn lets it through and says so; off pins nothing', async () => {
  const review = pinning('review');
  await review.pins.review('crm', [reviewed]);
  await review.pins.review('crm', [grown]);
  assert.equal(review.pins.verdict('crm', 'send_note').ok, false);
  review.pins.close();

  const warn = pinning('warn');
  await warn.pins.review('crm', [reviewed]);
  await warn.pins.review('crm', [grown]);
  assert.deepEqual(warn.pins.verdict('crm', 'send_note'), { ok: true });
  assert.equal(warn.pins.hides('crm', 'send_note'), false);
  assert.match(warn.warnings.join('\n'), /tool "send_note" changed since it was reviewed \(new argument `bcc`.*\); let through \(pinning: warn\)/);
  assert.equal(warn.events.at(-1)!.event, 'held', 'the change is still recorded for review');
  warn.pins.close();

  const store = new MemoryPinStore();
  const off = pinning('off', store);
  await off.pins.review('crm', [reviewed]);
  assert.deepEqual([off.pins.verdict('crm', 'anything'), (await store.pinned('crm')).size, off.events.length], [{ ok: true }, 0, 0]);
});

test('a tool the list lacks, or a store that is down, is refused: pinning fails closed', async () => {
  const { pins } = pinning('block');
  await pins.review('crm', [reviewed]);
  assert.equal(pins.verdict('crm', 'unlisted').ok, false);
  assert.equal(pins.verdict('billing', 'send_note').ok, false, 'a server never reviewed');
  const down: PinStore = Object.assign(new MemoryPinStore(), { pinned: () => Promise.reject(new Error('connection refused')) });
  const failing = pinning('block', down);
  await failing.pins.review('crm', [reviewed]);
  assert.deepEqual(failing.pins.verdict('crm', 'send_note'), {
    ok: false,
    reason: 'unreviewed',
    message: 'Tool "send_note" cannot be checked against its reviewed definition: the pin store is unavailable',
  });
  assert.match(failing.warnings[0]!, /pinned definitions could not be checked, so its tools are refused: connection refused/);
});

test('an approval made elsewhere lets a held tool through without a new list', async () => {
  const store = new MemoryPinStore();
  const { pins } = pinning('block', store);
  await pins.review('crm', [reviewed]);
  await pins.review('crm', [grown]);
  const [held] = await store.held('crm');
  await store.approve(held!);
  const deadline = Date.now() + 5_000;
  while (!pins.verdict('crm', 'send_note').ok && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.deepEqual(pins.verdict('crm', 'send_note'), { ok: true });
  pins.close();
});
