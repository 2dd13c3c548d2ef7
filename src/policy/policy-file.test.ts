import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { POLL_INTERVAL_MS, watchPolicyFile } from './policy-file.js';

const dir = mkdtempSync(join(tmpdir(), 'toolgate-policy-file-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a policy file reached through a symbolic link is seen to change when its target does, as a ConfigMap mount changes', async () => {
  // The link's directory sees no event when the target, elsewhere, is written: only looking at the file tells.
  mkdirSync(join(dir, 'data'));
  mkdirSync(join(dir, 'mount'));
  const target = join(dir, 'data', 'policy.json');
  const link = join(dir, 'mount', 'policy.json');
  writeFileSync(target, JSON.stringify({ version: '1', default: 'allow' }));
  symlinkSync(target, link);
  let changes = 0;
  const stop = watchPolicyFile(link, () => changes++);
  try {
    // The poll's first look, which every later one is compared with, is taken in the background: a write before it
    // would be the baseline, not a change.
    await new Promise((resolve) => setTimeout(resolve, 500));
    writeFileSync(target, JSON.stringify({ version: '1', default: 'deny' }));
    const deadline = Date.now() + 3 * POLL_INTERVAL_MS;
    while (changes === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(changes, 1, `the change was seen within ${3 * POLL_INTERVAL_MS} ms`);
  } finally {
    stop();
  }
});
