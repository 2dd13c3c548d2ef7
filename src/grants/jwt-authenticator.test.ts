import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { SignJWT, UnsecuredJWT, exportJWK, generateKeyPair, type CryptoKey, type JWTPayload } from 'jose';
import { AuthenticationUnavailable, type AuthOutcome } from './authenticator.js';
import { Grants } from './grants.js';
import { JwtAuthenticator, type JwtOptions } from './jwt-authenticator.js';
import { MemoryGrantStore } from './memory-grant-store.js';

const ISSUER = 'https://idp.example.test/';
const AUDIENCE = 'toolgate';

// The identity provider: a real HTTP server publishing one ES256 key at /jwks.
const idp = await generateKeyPair('ES256');
const stranger = await generateKeyPair('ES256');
const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(idp.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }] });
let jwksRequests = 0;
const server = createServer((request, response) => {
  if (request.url !== '/jwks') return void response.writeHead(404).end();
  jwksRequests++;
  response.writeHead(200, { 'content-type': 'application/json' }).end(jwks);
});
let origin = '';

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
});

function gateway(options: Partial<JwtOptions> = {}) {
  const store = new MemoryGrantStore();
  const authenticator = new JwtAuthenticator({ issuer: ISSUER, audience: AUDIENCE, jwksUrl: `${origin}/jwks`, labelClaim: 'sub', ...options }, store);
  return { authenticator, grants: new Grants(store) };
}

interface Signing {
  key?: CryptoKey;
  kid?: string;
  issuer?: string;
  audience?: string;
  expires?: number | string | null;
  notBefore?: number;
}

function sign(claims: JWTPayload = { sub: 'alice' }, { key = idp.privateKey, kid = 'k1', issuer = ISSUER, audience = AUDIENCE, expires = '5m', notBefore }: Signing = {}) {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid }).setIssuer(issuer).setAudience(audience).setIssuedAt();
  if (expires !== null) jwt.setExpirationTime(expires);
  if (notBefore !== undefined) jwt.setNotBefore(notBefore);
  return jwt.sign(key);
}

/** Well-formed but for its algorithm: an HMAC, as if the gateway shared a secret with the identity provider. */
function signHs256(): Promise<string> {
  const secret = new TextEncoder().encode('a secret of thirty-two bytes or more');
  return new SignJWT({ sub: 'alice' }).setProtectedHeader({ alg: 'HS256', kid: 'k1' }).setIssuer(ISSUER).setAudience(AUDIENCE).setExpirationTime('5m').sign(secret);
}

const seconds = (offset: number) => Math.floor(Date.now() / 1000) + offset;

/** Rejected as an invalid token, saying what failed without repeating the token. */
function assertInvalid(outcome: AuthOutcome, token: string, description: RegExp): void {
  assert.equal(outcome.kind, 'rejected', JSON.stringify(outcome));
  if (outcome.kind !== 'rejected') return;
  assert.equal(outcome.error, 'invalid_token');
  assert.match(outcome.description, description);
  assert.ok(!outcome.description.includes(token), 'the description repeats the token');
}

describe('a valid token', () => {
  test('is the caller its "sub" names, reaching every server under their policies when it has no grant', async () => {
    const outcome = await gateway().authenticator.authenticate(`Bearer ${await sign()}`);
    assert.deepEqual(outcome, { kind: 'ok', caller: { id: 'jwt:alice', label: 'alice', servers: ['*'], policy: null } });
  });

  test('names its caller by the configured claim', async () => {
    const { authenticator } = gateway({ labelClaim: 'preferred_username' });
    const outcome = await authenticator.authenticate(`Bearer ${await sign({ sub: '8f14e45f', preferred_username: 'alice.smith' })}`);
    assert.deepEqual(outcome, { kind: 'ok', caller: { id: 'jwt:alice.smith', label: 'alice.smith', servers: ['*'], policy: null } });
  });

  test('is accepted up to 30 seconds after it expires, for clock skew', async () => {
    const outcome = await gateway().authenticator.authenticate(`Bearer ${await sign({ sub: 'alice' }, { expires: seconds(-10) })}`);
    assert.equal(outcome.kind, 'ok');
  });

  test('fetches the key set once for many requests', async () => {
    const { authenticator } = gateway();
    const before = jwksRequests;
    for (const sub of ['alice', 'bob', 'carol']) assert.equal((await authenticator.authenticate(`Bearer ${await sign({ sub })}`)).kind, 'ok');
    assert.equal(jwksRequests - before, 1);
  });
});

describe('a token is rejected', () => {
  const cases: [string, () => Promise<string>, RegExp][] = [
    ['from another issuer', () => sign(undefined, { issuer: 'https://elsewhere.example.test/' }), /another issuer/],
    ['for another audience', () => sign(undefined, { audience: 'another-gateway' }), /another audience/],
    ['expired more than 30 seconds ago', () => sign(undefined, { expires: seconds(-60) }), /expired/],
    ['that never expires', () => sign(undefined, { expires: null }), /no "exp" claim/],
    ['not valid yet', () => sign(undefined, { notBefore: seconds(120) }), /not valid yet/],
    ['signed by a key the provider does not publish', () => sign(undefined, { key: stranger.privateKey, kid: 'k2' }), /not signed with any of the identity provider's/],
    ["signed by another key under the provider's key id", () => sign(undefined, { key: stranger.privateKey }), /signature does not verify/],
    ['signed with HS256, whatever the secret', signHs256, /algorithm is not allowed/],
    ['unsecured (alg: none)', async () => new UnsecuredJWT({ sub: 'alice' }).setIssuer(ISSUER).setAudience(AUDIENCE).setExpirationTime('5m').encode(), /algorithm is not allowed/],
    ['that is not a JWT', async () => 'not-a-jwt', /not a well-formed signed JWT/],
    ['without the label claim', () => sign({ name: 'Alice' }), /no "sub" claim/],
  ];
  for (const [name, token, description] of cases) {
    test(name, async () => {
      const jwt = await token();
      assertInvalid(await gateway().authenticator.authenticate(`Bearer ${jwt}`), jwt, description);
    });
  }

  test('when its label claim is not a grant label', async () => {
    const { authenticator } = gateway({ labelClaim: 'preferred_username' });
    for (const preferred_username of ['alice smith', 'alice@example.com', 'a'.repeat(65), '', 42, ['alice']]) {
      const jwt = await sign({ sub: 'alice', preferred_username });
      assertInvalid(await authenticator.authenticate(`Bearer ${jwt}`), jwt, /"preferred_username" claim is not a grant label/);
    }
  });

  test('when a label claim named like a prototype key is not in the token', async () => {
    for (const claim of ['constructor', 'toString', 'hasOwnProperty', '__proto__']) {
      const jwt = await sign({ sub: 'alice' });
      assertInvalid(await gateway({ labelClaim: claim }).authenticator.authenticate(`Bearer ${jwt}`), jwt, new RegExp(`no "${claim}" claim`));
    }
  });

  test("when the provider's keys cannot be fetched, the check itself fails (503, not 401)", async () => {
    const jwt = await sign();
    const unavailable = (error: unknown) => error instanceof AuthenticationUnavailable && /keys could not be fetched/.test(error.message) && !error.message.includes(jwt);
    await assert.rejects(gateway({ jwksUrl: `${origin}/missing` }).authenticator.authenticate(`Bearer ${jwt}`), unavailable);
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    await assert.rejects(gateway({ jwksUrl: `http://127.0.0.1:${port}/jwks` }).authenticator.authenticate(`Bearer ${jwt}`), unavailable);
  });
});

describe('the Authorization header', () => {
  test('of another scheme is an invalid request', async () => {
    const outcome = await gateway().authenticator.authenticate(`Basic ${Buffer.from('alice:secret').toString('base64')}`);
    assert.equal(outcome.kind === 'rejected' && outcome.error, 'invalid_request');
  });

  test('missing is rejected without an error code', async () => {
    const outcome = await gateway().authenticator.authenticate(undefined);
    assert.equal(outcome.kind, 'rejected');
    assert.equal(outcome.kind === 'rejected' && outcome.error, undefined);
  });
});

describe("a label's grant", () => {
  test('applies to its SSO user: its servers and policy', async () => {
    const { authenticator, grants } = gateway();
    const { grant } = await grants.create({ label: 'alice', servers: ['files'], policy: 'policies/alice.yaml' }, Date.now());
    assert.deepEqual(await authenticator.authenticate(`Bearer ${await sign()}`), { kind: 'ok', caller: grant });
  });

  test('that has expired rejects its SSO user', async () => {
    const { authenticator, grants } = gateway();
    await grants.create({ label: 'alice', servers: ['files'], expiresAt: Date.now() - 1 }, Date.now() - 60_000);
    const jwt = await sign();
    assertInvalid(await authenticator.authenticate(`Bearer ${jwt}`), jwt, /grant "alice" has expired/);
  });

  test('once revoked keeps its SSO user out, until a new grant lets them back', async () => {
    const { authenticator, grants } = gateway();
    await grants.create({ label: 'alice', servers: ['*'] }, Date.now());
    await grants.revoke('alice', Date.now());
    const jwt = await sign();
    assertInvalid(await authenticator.authenticate(`Bearer ${jwt}`), jwt, /grant "alice" has been revoked/);
    assert.equal((await authenticator.authenticate(`Bearer ${await sign({ sub: 'bob' })}`)).kind, 'ok', 'only that label is refused');
    const { grant } = await grants.create({ label: 'alice', servers: ['files'] }, Date.now());
    assert.deepEqual(await authenticator.authenticate(`Bearer ${jwt}`), { kind: 'ok', caller: grant });
  });
});

describe('a named label (stdio)', () => {
  test('is its grant, or else the same caller as an SSO user without one', async () => {
    const { authenticator, grants } = gateway();
    const { grant } = await grants.create({ label: 'ci-agent', servers: ['files'] }, Date.now());
    assert.deepEqual(await authenticator.named('ci-agent'), { kind: 'ok', caller: grant });
    assert.deepEqual(await authenticator.named('alice'), { kind: 'ok', caller: { id: 'jwt:alice', label: 'alice', servers: ['*'], policy: null } });
  });

  test('is rejected when revoked or not a label', async () => {
    const { authenticator, grants } = gateway();
    await grants.create({ label: 'ci-agent', servers: ['files'] }, Date.now());
    await grants.revoke('ci-agent', Date.now());
    const revoked = await authenticator.named('ci-agent');
    assert.equal(revoked.kind === 'rejected' && revoked.description, 'grant "ci-agent" has been revoked');
    const outcome = await authenticator.named('ci agent');
    assert.equal(outcome.kind === 'rejected' && outcome.description, '"ci agent" is not a grant label');
  });
});
