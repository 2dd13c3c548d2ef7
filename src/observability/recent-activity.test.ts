import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RECENT_MINUTES, RecentActivity } from './recent-activity.js';

const MINUTE = 60_000;

test('a minute an hour old is forgotten when its bucket is used again, and never counted in its place', () => {
  let now = Date.parse('2026-12-01T10:07:00Z');
  const activity = new RecentActivity(() => now);
  activity.record('s', 'old', 'allowed');
  now += RECENT_MINUTES * MINUTE;
  activity.record('s', 'new', 'denied');
  const { perMinute, topTools, topDenied } = activity.overview(RECENT_MINUTES);
  assert.equal(perMinute.length, RECENT_MINUTES);
  assert.deepEqual(perMinute.map((m) => m.allowed + m.denied), [...Array<number>(RECENT_MINUTES - 1).fill(0), 1], 'only the new call, in the last minute');
  assert.deepEqual(topTools, [{ server: 's', tool: 'new', calls: 1 }]);
  assert.deepEqual(topDenied, [{ server: 's', tool: 'new', calls: 1 }]);
});

test('minutes with no calls are read as zero, not as what their bucket held an hour before', () => {
  let now = Date.parse('2026-12-01T10:00:00Z');
  const activity = new RecentActivity(() => now);
  activity.record('s', 't', 'allowed');
  now += (RECENT_MINUTES + 2) * MINUTE;
  assert.deepEqual(activity.overview(RECENT_MINUTES).topTools, [], 'nothing in the last hour');
  assert.ok(activity.overview(RECENT_MINUTES).perMinute.every((m) => m.allowed === 0), 'every minute empty');
});

test('more minutes than are kept read as the hour that is', () => {
  assert.equal(new RecentActivity(() => Date.parse('2026-12-01T10:00:00Z')).overview(10_000).minutes, RECENT_MINUTES);
});
