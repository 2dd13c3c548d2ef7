import assert from 'node:assert/strict';
import { test } from 'node:test';
import { add, advance, bucketOf, emptyWindow, freesInMs, retryAfterMs, SLOTS, used, type WindowState } from './window.js';

/** The rolling-window arithmetic every store shares, at the edges the store contracts do not reach. */

const W = 10_000; // a bucket is 1,000 ms wide

test('an empty window has one slot per bucket the window overlaps, all zero', () => {
  assert.deepEqual(emptyWindow(), { counts: new Array(SLOTS).fill(0), head: 0 });
});

test('advancing to the same bucket keeps its counts; advancing past it empties what left the window', () => {
  const state = emptyWindow();
  advance(state, W, 5_000);
  add(state, bucketOf(W, 5_000), 3);
  advance(state, W, 5_999);
  assert.equal(used(state), 3, 'the same bucket');
  advance(state, W, 15_999);
  assert.equal(used(state), 3, 'ten buckets on, the bucket is still overlapped');
  advance(state, W, 16_000);
  assert.equal(used(state), 0, 'eleven buckets on, it has left');
});

test('an amount for a bucket that has left the ring is dropped, one still in it is counted', () => {
  const state = emptyWindow();
  advance(state, W, 20_000); // head bucket 20
  add(state, 20 - SLOTS, 5);
  assert.equal(used(state), 0, 'bucket 9 left the ring');
  add(state, 20 - SLOTS + 1, 5);
  assert.equal(used(state), 5, 'bucket 10 is the oldest slot');
});

test('a rollback never takes a bucket below zero', () => {
  const state = emptyWindow();
  add(state, 0, 2);
  add(state, 0, -5);
  assert.equal(used(state), 0);
});

test('the oldest amount frees when the window has passed the end of its bucket', () => {
  const state = emptyWindow();
  advance(state, W, 3_500);
  add(state, bucketOf(W, 3_500), 1); // bucket 3 ends at 4,000 ms: free at 14,000 ms
  assert.equal(freesInMs(state, W, 3_500), 10_500);
  assert.equal(freesInMs(emptyWindow(), W, 0), 0);
});

test('the retry time: 0 when it fits, the end of the bucket that makes room, Infinity when larger than max', () => {
  const state = emptyWindow();
  advance(state, W, 3_500);
  add(state, 3, 2);
  advance(state, W, 5_200);
  add(state, 5, 1);
  // max 3 holds 3: one more fits once bucket 3 (2) leaves at 14,000 ms.
  assert.equal(retryAfterMs(state, W, 4, 1, 5_200), 0, 'fits exactly');
  assert.equal(retryAfterMs(state, W, 3, 1, 5_200), 8_800);
  // Two more need bucket 3 to leave as well; three more need bucket 5 (leaving at 16,000 ms).
  assert.equal(retryAfterMs(state, W, 3, 2, 5_200), 8_800);
  assert.equal(retryAfterMs(state, W, 3, 3, 5_200), 10_800);
  // An amount equal to max fits once everything has left; only one larger than max never does.
  assert.equal(retryAfterMs(state, W, 3, 4, 5_200), Infinity);
  assert.equal(retryAfterMs(emptyWindow(), W, 3, 3, 0), 0);
});

test('a minute\'s retry time can be over 60 s, and is when the call fits: waiting it is enough, a millisecond less is not', () => {
  const MINUTE = 60_000; // buckets 6 s wide
  const fits = (state: WindowState, at: number) => {
    const later = structuredClone(state);
    advance(later, MINUTE, at);
    return used(later) + 1 <= 1;
  };
  for (const [callAt, retrySeconds] of [[0, 65], [3_000, 62], [5_999, 60]] as const) {
    const state = emptyWindow();
    advance(state, MINUTE, callAt);
    add(state, bucketOf(MINUTE, callAt), 1);
    const now = callAt + 1_000;
    const retry = retryAfterMs(state, MINUTE, 1, 1, now);
    // The call's bucket is counted until the window's start passes the bucket's end, up to 6 s after the call's minute.
    assert.equal(Math.ceil(retry / 1000), retrySeconds, `a call at ${callAt} ms`);
    assert.ok(fits(state, now + retry), `a retry after ${retry} ms fits`);
    assert.ok(!fits(state, now + retry - 1), `a retry a millisecond sooner than ${retry} ms is refused`);
  }
});

test('a clock that steps back does not move the ring back: what was counted stays counted', () => {
  const state = emptyWindow();
  advance(state, W, 20_000);
  add(state, 20, 4);
  advance(state, W, 15_000); // the clock stepped back five seconds
  advance(state, W, 20_500);
  assert.equal(used(state), 4);
});
