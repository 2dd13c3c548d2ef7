import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AuditEntry, ChainedEntry } from './audit-record.js';
import { GroupCommit } from './group-commit.js';

test('work run exclusively (a close) comes after every append already made, even one made the same turn', async () => {
  const order: string[] = [];
  const commits = new GroupCommit((entries: AuditEntry[]) => {
    order.push(`write ${entries.length}`);
    return entries.map((entry, i) => ({ seq: i + 1, entry }) as unknown as ChainedEntry);
  });
  const appended = commits.append({ kind: 'outcome' } as AuditEntry);
  await commits.exclusive(() => void order.push('close'));
  await appended;
  assert.deepEqual(order, ['write 1', 'close']);
});
