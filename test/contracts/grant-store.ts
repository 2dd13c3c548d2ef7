import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { GrantStore } from '../../src/grants/grant-store.js';
import { reaches } from '../../src/grants/authenticator.js';
import { GrantError, Grants } from '../../src/grants/grants.js';
import { formatToken, mintToken, parseToken, randomBase62 } from '../../src/grants/token.js';

const NOW = 1_700_000_000_000;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export interface GrantStoreFixture {
  readonly store: GrantStore;
  /** Every row the store holds, as text (SQL stores only): to show that no token or secret is kept. */
  readonly rawText?: () => Promise<string>;
}

/** Rows as text, binary columns both as bytes and as hex, so a secret stored in any form would show. */
export function rowsAsText(rows: readonly Record<string, unknown>[]): string {
  return rows
    .flatMap((row) => Object.values(row))
    .map((value) => (Buffer.isBuffer(value) ? `${value.toString('latin1')} ${value.toString('hex')}` : String(value)))
    .join('\n');
}

const rejected = (reason: string) => ({ kind: 'rejected', reason });
const failsNaming = (label: string, reason: GrantError['reason']) => (error: unknown) =>
  error instanceof GrantError && error.reason === reason && error.label === label && error.message.includes(`"${label}"`);

/**
 * What every grant store must support, run against each one (memory, SQLite, PostgreSQL) through `Grants`, with
 * `open` making a fresh, empty store.
 */
export function describeGrantStore(name: string, open: () => Promise<GrantStoreFixture>, options: { skip?: string } = {}): void {
  describe(name, { skip: options.skip }, () => {
    let fixture: GrantStoreFixture | undefined;
    const fresh = async () => {
      fixture = await open();
      return { ...fixture, grants: new Grants(fixture.store) };
    };
    afterEach(async () => {
      await fixture?.store.close();
      fixture = undefined;
    });

    test('answers a ping (the readiness probe)', async () => {
      await (await fresh()).store.ping();
    });

    test("a created grant's token authenticates as that grant", async () => {
      const { grants } = await fresh();
      const { grant, token } = await grants.create({ label: 'ci-agent', servers: ['github'] }, NOW);
      assert.match(grant.id, /^gr_[0-9A-Za-z]{16}$/);
      assert.deepEqual({ ...grant, id: '' }, { id: '', label: 'ci-agent', servers: ['github'], policy: null, expiresAt: null, createdAt: NOW, lastUsedAt: null, revokedAt: null });
      const result = await grants.authenticate(token, NOW + 1);
      assert.equal(result.kind === 'ok' && result.grant.id, grant.id);
    });

    test('servers, policy and expiry come back as given', async () => {
      const { grants } = await fresh();
      const request = { label: 'reporting.bot_2', servers: ['github', 'smartlead'], policy: './policies/reporting.json', expiresAt: NOW + HOUR };
      const { token } = await grants.create(request, NOW);
      const result = await grants.authenticate(token, NOW);
      assert.ok(result.kind === 'ok');
      const { label, servers, policy, expiresAt } = result.grant;
      assert.deepEqual({ label, servers, policy, expiresAt }, request);
      assert.deepEqual((await grants.list())[0]!.servers, ['github', 'smartlead']);
      await grants.create({ label: 'everywhere', servers: ['*'] }, NOW);
      assert.deepEqual((await grants.list())[0]!.servers, ['*']);
    });

    test('a token with a known key id but the wrong secret, or an unknown key id, is unknown', async () => {
      const { grants } = await fresh();
      const { token } = await grants.create({ label: 'a', servers: ['*'] }, NOW);
      const forged = formatToken(parseToken(token)!.keyId, randomBase62(40));
      assert.deepEqual(await grants.authenticate(forged, NOW), rejected('unknown'));
      assert.deepEqual(await grants.authenticate(mintToken().token, NOW), rejected('unknown'));
    });

    test('a truncated or padded token is malformed', async () => {
      const { grants } = await fresh();
      const { token } = await grants.create({ label: 'a', servers: ['*'] }, NOW);
      for (const text of [token.slice(0, -1), ` ${token}`, `Bearer ${token}`, '']) {
        assert.deepEqual(await grants.authenticate(text, NOW), rejected('malformed'), JSON.stringify(text));
      }
    });

    test("a revoked grant's token is rejected as revoked from the next call", async () => {
      const { grants } = await fresh();
      const { token } = await grants.create({ label: 'a', servers: ['*'] }, NOW);
      assert.equal((await grants.authenticate(token, NOW)).kind, 'ok');
      assert.equal((await grants.revoke('a', NOW + 1)).revokedAt, NOW + 1);
      assert.deepEqual(await grants.authenticate(token, NOW + 1), rejected('revoked'));
    });

    test('a grant past its expiry is rejected as expired', async () => {
      const { grants } = await fresh();
      const { token } = await grants.create({ label: 'a', servers: ['*'], expiresAt: NOW + HOUR }, NOW);
      assert.equal((await grants.authenticate(token, NOW + HOUR - 1)).kind, 'ok');
      assert.deepEqual(await grants.authenticate(token, NOW + HOUR), rejected('expired'));
    });

    test('after a rotation without grace the old token is rejected at once, and the new one works', async () => {
      const { grants } = await fresh();
      const created = await grants.create({ label: 'a', servers: ['*'] }, NOW);
      const rotated = await grants.rotate('a', {}, NOW + MINUTE);
      assert.equal(rotated.grant.id, created.grant.id);
      assert.notEqual(rotated.token, created.token);
      assert.deepEqual(await grants.authenticate(created.token, NOW + MINUTE), rejected('expired'));
      assert.equal((await grants.authenticate(rotated.token, NOW + MINUTE)).kind, 'ok');
    });

    test('after a rotation with grace the old token works until the grace period ends', async () => {
      const { grants } = await fresh();
      const created = await grants.create({ label: 'a', servers: ['*'] }, NOW);
      const rotated = await grants.rotate('a', { graceMs: 10 * MINUTE }, NOW);
      assert.equal((await grants.authenticate(created.token, NOW + 10 * MINUTE - 1)).kind, 'ok');
      assert.deepEqual(await grants.authenticate(created.token, NOW + 10 * MINUTE), rejected('expired'));
      assert.equal((await grants.authenticate(rotated.token, NOW + 10 * MINUTE)).kind, 'ok');
    });

    test("a second rotation does not extend the first one's grace", async () => {
      const { grants } = await fresh();
      const first = await grants.create({ label: 'a', servers: ['*'] }, NOW);
      const second = await grants.rotate('a', { graceMs: 10 * MINUTE }, NOW);
      const third = await grants.rotate('a', { graceMs: HOUR }, NOW + MINUTE);
      assert.deepEqual(await grants.authenticate(first.token, NOW + 10 * MINUTE), rejected('expired'));
      assert.equal((await grants.authenticate(second.token, NOW + 10 * MINUTE)).kind, 'ok');
      assert.deepEqual(await grants.authenticate(second.token, NOW + MINUTE + HOUR), rejected('expired'));
      assert.equal((await grants.authenticate(third.token, NOW + MINUTE + HOUR)).kind, 'ok');
    });

    test('an active label cannot be taken again; a revoked one can', async () => {
      const { grants } = await fresh();
      const old = await grants.create({ label: 'deploy-bot', servers: ['*'] }, NOW);
      await assert.rejects(grants.create({ label: 'deploy-bot', servers: ['github'] }, NOW + 1), failsNaming('deploy-bot', 'taken'));
      await grants.revoke('deploy-bot', NOW + 2);
      const renewed = await grants.create({ label: 'deploy-bot', servers: ['github'] }, NOW + 3);
      assert.notEqual(renewed.grant.id, old.grant.id);
      assert.deepEqual(await grants.authenticate(old.token, NOW + 4), rejected('revoked'));
      const result = await grants.authenticate(renewed.token, NOW + 4);
      assert.equal(result.kind === 'ok' && result.grant.id, renewed.grant.id);
    });

    test('rotating or revoking a label no active grant holds fails, naming the label', async () => {
      const { grants } = await fresh();
      await assert.rejects(grants.rotate('ghost', {}, NOW), failsNaming('ghost', 'unknown'));
      await assert.rejects(grants.revoke('ghost', NOW), failsNaming('ghost', 'unknown'));
      await grants.create({ label: 'gone', servers: ['*'] }, NOW);
      await grants.revoke('gone', NOW);
      await assert.rejects(grants.revoke('gone', NOW + 1), failsNaming('gone', 'unknown'));
      await assert.rejects(grants.rotate('gone', {}, NOW + 1), failsNaming('gone', 'unknown'));
    });

    test('list shows every grant, revoked ones too, by label and then by creation', async () => {
      const { grants } = await fresh();
      await grants.create({ label: 'b', servers: ['*'] }, NOW);
      await grants.create({ label: 'a', servers: ['*'] }, NOW + 1);
      await grants.revoke('a', NOW + 2);
      await grants.create({ label: 'a', servers: ['*'] }, NOW + 3);
      const listed = (await grants.list()).map(({ label, createdAt, revokedAt }) => ({ label, createdAt, revokedAt }));
      assert.deepEqual(listed, [
        { label: 'a', createdAt: NOW + 1, revokedAt: NOW + 2 },
        { label: 'a', createdAt: NOW + 3, revokedAt: null },
        { label: 'b', createdAt: NOW, revokedAt: null },
      ]);
    });

    test('authenticating records lastUsedAt, at most once a minute per grant', async () => {
      const { grants } = await fresh();
      const { token } = await grants.create({ label: 'a', servers: ['*'] }, NOW);
      const lastUsed = async () => (await grants.list())[0]!.lastUsedAt;
      assert.equal(await lastUsed(), null);
      const result = await grants.authenticate(token, NOW + 1_000);
      assert.equal(result.kind === 'ok' && result.grant.lastUsedAt, NOW + 1_000);
      assert.equal(await lastUsed(), NOW + 1_000);
      await grants.authenticate(token, NOW + 30_000);
      assert.equal(await lastUsed(), NOW + 1_000, 'not written again within the minute');
      await grants.authenticate(token, NOW + 1_000 + MINUTE);
      assert.equal(await lastUsed(), NOW + 1_000 + MINUTE);
    });

    test('lastUsedAt never moves back when replicas disagree on the time', async () => {
      const { store, grants } = await fresh();
      const { token } = await grants.create({ label: 'a', servers: ['*'] }, NOW);
      await grants.authenticate(token, NOW + 5_000);
      await new Grants(store).authenticate(token, NOW + 1_000);
      assert.equal((await grants.list())[0]!.lastUsedAt, NOW + 5_000);
    });

    test('labels and server names that are prototype keys are ordinary names', async () => {
      const { grants } = await fresh();
      const names = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'prototype'];
      const issued = [];
      for (const name of names) issued.push(await grants.create({ label: name, servers: [name] }, NOW));
      for (const [i, name] of names.entries()) {
        const result = await grants.authenticate(issued[i]!.token, NOW + 1);
        assert.ok(result.kind === 'ok', name);
        assert.deepEqual([result.grant.label, result.grant.servers], [name, [name]]);
        for (const other of names) assert.equal(reaches(result.grant, other), other === name, `${name} reaches ${other}`);
      }
      await grants.revoke('constructor', NOW + 2);
      assert.deepEqual(await grants.authenticate(issued[1]!.token, NOW + 3), rejected('revoked'));
      assert.equal((await grants.authenticate(issued[2]!.token, NOW + 3)).kind, 'ok', 'revoking constructor leaves toString alone');
      await assert.rejects(grants.rotate('valueOf', {}, NOW), failsNaming('valueOf', 'unknown'));
    });

    test('only a hash of each secret is stored', async (t) => {
      const { grants, rawText } = await fresh();
      if (!rawText) return t.skip('this store has no rows to read');
      const created = await grants.create({ label: 'hash-only', servers: ['*'] }, NOW);
      const rotated = await grants.rotate('hash-only', { graceMs: HOUR }, NOW);
      const raw = await rawText();
      assert.ok(raw.includes('hash-only'), 'the rows were read');
      for (const { token } of [created, rotated]) {
        const { keyId, secret } = parseToken(token)!;
        assert.ok(raw.includes(keyId), 'the key id is stored, to find the credential');
        assert.ok(!raw.includes(token), 'the token is not stored');
        assert.ok(!raw.includes(secret), 'the secret is not stored');
      }
    });
  });
}
