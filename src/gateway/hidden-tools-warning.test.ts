import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { pino } from 'pino';
import { HIDDEN_TOOLS_EVERY_MS, HiddenToolsWarning } from './hidden-tools-warning.js';

function warning() {
  const lines: Record<string, unknown>[] = [];
  const log = pino(new Writable({ write: (chunk: Buffer, _encoding, done) => (lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>), done()) }));
  let now = 0;
  return { warning: new HiddenToolsWarning(log, () => now), lines, advance: (ms: number) => (now += ms) };
}

test('a listing that hides a server’s tools for want of its policy is a warning naming the server, the count and init', () => {
  const { warning: w, lines } = warning();
  w.hidden('bare', 5);
  assert.equal(lines.length, 1);
  assert.deepEqual([lines[0]!.level, lines[0]!.server, lines[0]!.hidden], [40, 'bare', 5]);
  assert.equal(lines[0]!.msg, 'tools/list: 5 tools are hidden because server bare has no policy (every call is denied too); toolgate init --server bare writes a starting one');
});

test('once per server per interval: listing again is quiet until the interval has passed; another server is said at once', () => {
  const { warning: w, lines, advance } = warning();
  w.hidden('bare', 1);
  advance(HIDDEN_TOOLS_EVERY_MS - 1);
  w.hidden('bare', 1);
  w.hidden('other', 2);
  assert.deepEqual(lines.map((l) => l.server), ['bare', 'other']);
  assert.match(String(lines[0]!.msg), /^tools\/list: 1 tool is hidden/);
  advance(1);
  w.hidden('bare', 1);
  assert.deepEqual(lines.map((l) => l.server), ['bare', 'other', 'bare']);
});
