import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GrantError, grantStatus, Grants } from './grants.js';
import { MemoryGrantStore } from './memory-grant-store.js';

const NOW = 1_700_000_000_000;
const grants = () => new Grants(new MemoryGrantStore());
const failsNaming = (label: string, pattern: RegExp) => (error: unknown) =>
  error instanceof GrantError && error.reason === 'invalid' && error.label === label && error.message.includes(JSON.stringify(label)) && pattern.test(error.message);

describe('grant labels', () => {
  for (const label of ['a', 'ci-agent', 'reporting.bot_2', 'A'.repeat(64)]) {
    test(`${JSON.stringify(label.length > 10 ? `${label.slice(0, 10)}…` : label)} is a label`, async () => {
      assert.equal((await grants().create({ label, servers: ['*'] }, NOW)).grant.label, label);
    });
  }
  for (const label of ['', 'ci agent', 'ci/agent', 'agent\n', 'agént', 'A'.repeat(65)]) {
    test(`${JSON.stringify(label.length > 10 ? `${label.slice(0, 10)}…` : label)} is not, and the error names it`, async () => {
      await assert.rejects(grants().create({ label, servers: ['*'] }, NOW), failsNaming(label, /is not a grant label/));
    });
  }
});

test('a grant must name at least one server', async () => {
  await assert.rejects(grants().create({ label: 'a', servers: [] }, NOW), failsNaming('a', /servers/));
  await assert.rejects(grants().create({ label: 'a', servers: [''] }, NOW), failsNaming('a', /servers/));
});

test('a grant cannot be created already expired', async () => {
  for (const expiresAt of [NOW - 1, NOW, Number.NaN]) {
    await assert.rejects(grants().create({ label: 'a', servers: ['*'], expiresAt }, NOW), failsNaming('a', /cannot expire/), String(expiresAt));
  }
});

test('a rotation grace period must be a whole, non-negative number of milliseconds', async () => {
  const g = grants();
  await g.create({ label: 'a', servers: ['*'] }, NOW);
  for (const graceMs of [-1, 1.5, Number.NaN, Infinity]) {
    await assert.rejects(g.rotate('a', { graceMs }, NOW), failsNaming('a', /grace/), String(graceMs));
  }
});

test('a grant is revoked once revoked, else expired from its expiry on, else active', () => {
  const now = 1_000_000;
  assert.equal(grantStatus({ revokedAt: null, expiresAt: null }, now), 'active');
  assert.equal(grantStatus({ revokedAt: null, expiresAt: now + 1 }, now), 'active');
  assert.equal(grantStatus({ revokedAt: null, expiresAt: now }, now), 'expired');
  assert.equal(grantStatus({ revokedAt: now - 5, expiresAt: now - 10 }, now), 'revoked');
});
