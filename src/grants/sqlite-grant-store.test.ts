import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { SqliteCounterStore } from '../limits/sqlite-store.js';
import { describeGrantStore, rowsAsText } from '../../test/contracts/grant-store.js';
import { Grants } from './grants.js';
import { SqliteGrantStore } from './sqlite-grant-store.js';
import { formatToken, randomBase62 } from './token.js';

const dir = mkdtempSync(join(tmpdir(), 'toolgate-grants-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const freshFile = () => join(dir, `grants-${files++}.db`);

function rawText(file: string): string {
  const db = new Database(file, { readonly: true });
  try {
    return rowsAsText([...db.prepare('SELECT * FROM toolgate_grants').all(), ...db.prepare('SELECT * FROM toolgate_credentials').all()] as Record<string, unknown>[]);
  } finally {
    db.close();
  }
}

describeGrantStore('the SQLite grant store', async () => {
  const file = freshFile();
  return { store: new SqliteGrantStore(file), rawText: async () => rawText(file) };
});

const NOW = 1_700_000_000_000;

test('a revocation through one store is seen at once through another on the same file (another replica)', async () => {
  const file = freshFile();
  const [first, second] = [new SqliteGrantStore(file), new SqliteGrantStore(file)];
  const here = new Grants(first);
  const there = new Grants(second);
  const { token } = await here.create({ label: 'a', servers: ['*'] }, NOW);
  assert.equal((await there.authenticate(token, NOW + 1)).kind, 'ok');
  await here.revoke('a', NOW + 2);
  assert.deepEqual(await there.authenticate(token, NOW + 3), { kind: 'rejected', reason: 'revoked' });
  await first.close();
  await second.close();
});

test('grants survive a restart, beside the counters in the same file', async () => {
  const file = freshFile();
  const counters = new SqliteCounterStore(file);
  const before = new SqliteGrantStore(file);
  const { token } = await new Grants(before).create({ label: 'a', servers: ['*'] }, NOW);
  await before.close();
  const restarted = new SqliteGrantStore(file);
  assert.equal((await new Grants(restarted).authenticate(token, NOW)).kind, 'ok');
  assert.equal((await counters.reserve([{ key: 'grant:a/calls', windowMs: 60_000, max: 1, amount: 1 }], NOW)).kind, 'reserved');
  await restarted.close();
  await counters.close();
});

test('a malformed token is rejected before the store is asked', async () => {
  const store = new SqliteGrantStore(freshFile());
  await store.close();
  // A closed database throws on any query, so only a check made before the lookup can answer.
  assert.deepEqual(await new Grants(store).authenticate('tgk_not-a-token', NOW), { kind: 'rejected', reason: 'malformed' });
  await assert.rejects(new Grants(store).authenticate(formatToken(randomBase62(12), randomBase62(40)), NOW));
});
