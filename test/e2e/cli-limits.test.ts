import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SqliteCounterStore } from '../../src/limits/sqlite-store.js';

const CLI = [process.execPath, '--import', 'tsx', 'src/cli/main.ts'] as const;

test("toolgate limits status shows each counter's use and when it frees up, per grant if asked", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'toolgate-limits-'));
  const config = join(dir, 'toolgate.yaml');
  writeFileSync(config, 'store: sqlite:./counters.db\nservers:\n  s: { command: node }\n');
  const store = new SqliteCounterStore(join(dir, 'counters.db'));
  const now = Date.now();
  for (let i = 0; i < 4; i++) await store.reserve([{ key: 's/grant:alice/writes', windowMs: 60_000, max: 30, amount: 1 }], now);
  await store.reserve([{ key: 's/grant:bob/writes', windowMs: 3_600_000, max: 30, amount: 2 }], now);
  await store.close();

  const all = spawnSync(CLI[0], [...CLI.slice(1), 'limits', 'status', '--config', config, '--json'], { encoding: 'utf8' });
  assert.equal(all.status, 0, all.stderr);
  const counters = JSON.parse(all.stdout) as { key: string; used: number; freesInMs: number }[];
  assert.deepEqual(counters.map((c) => [c.key, c.used]), [['s/grant:alice/writes', 4], ['s/grant:bob/writes', 2]]);

  const alice = spawnSync(CLI[0], [...CLI.slice(1), 'limits', 'status', '--config', config, '--grant', 'alice'], { encoding: 'utf8' });
  assert.match(alice.stdout, /^s\/grant:alice\/writes {2}4 used in the last 60 s {2}frees up in \d+ s\n$/);
});
