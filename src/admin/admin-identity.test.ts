import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { SignJWT, exportJWK, generateKeyPair, type JWTPayload } from 'jose';
import { parseConfig } from '../config/load.js';
import { DocumentError } from '../documents/errors.js';
import { AuthenticationUnavailable } from '../grants/authenticator.js';
import { adminAuthenticatorFor, adminCredentials, identifyAdmin, type AdminOutcome } from './admin-identity.js';
import { mintAdminToken } from './admin-token.js';

const SERVERS = 'servers:\n  s:\n    command: x\n';
const alice = mintAdminToken();
const bob = mintAdminToken();
const root = mintAdminToken();

const configured = (admin: string) => parseConfig(`${SERVERS}admin:\n${admin}`, 'toolgate.yaml', {});

function refusal(admin: string): string {
  try {
    configured(admin);
  } catch (error) {
    assert.ok(error instanceof DocumentError, `a configuration error, not ${String(error)}`);
    return error.message;
  }
  assert.fail('expected the configuration to be refused');
}

describe('admin credentials in the configuration', () => {
  test('token_sha256 is the unlabelled admin, named admin; each of tokens is named by its label', () => {
    const config = configured(`  token_sha256: ${root.sha256}\n  tokens:\n    - { label: alice, sha256: ${alice.sha256} }\n    - { label: bob@example.com, sha256: ${bob.sha256} }\n`);
    assert.deepEqual(adminCredentials(config.admin), [
      { label: 'admin', sha256: root.sha256 },
      { label: 'alice', sha256: alice.sha256 },
      { label: 'bob@example.com', sha256: bob.sha256 },
    ]);
  });

  test('tokens alone, or token_sha256 alone, turn the API on; no admin block, none', () => {
    assert.deepEqual(adminCredentials(configured(`  tokens: [{ label: alice, sha256: ${alice.sha256} }]\n`).admin), [{ label: 'alice', sha256: alice.sha256 }]);
    assert.deepEqual(adminCredentials(configured(`  token_sha256: ${root.sha256}\n`).admin), [{ label: 'admin', sha256: root.sha256 }]);
    assert.deepEqual(adminCredentials(parseConfig(SERVERS, 'toolgate.yaml', {}).admin), []);
  });

  test('a label used twice names the second place and the first', () => {
    assert.equal(
      refusal(`  tokens:\n    - { label: alice, sha256: ${alice.sha256} }\n    - { label: alice, sha256: ${bob.sha256} }\n`),
      'toolgate.yaml: /admin/tokens/1/label: "alice" is the label of tokens/0 already',
    );
    assert.equal(refusal(`  token_sha256: ${root.sha256}\n  tokens: [{ label: admin, sha256: ${alice.sha256} }]\n`), 'toolgate.yaml: /admin/tokens/0/label: "admin" is the label of token_sha256 (the unlabelled admin) already');
  });

  test('one token under two labels is refused: a decision must name one person', () => {
    assert.equal(
      refusal(`  token_sha256: ${alice.sha256}\n  tokens: [{ label: alice, sha256: ${alice.sha256} }]\n`),
      'toolgate.yaml: /admin/tokens/0/sha256: the same token as token_sha256: one token names one admin',
    );
  });

  test('a label that cannot be an approver name, a hash that is not one, an unknown field, or no credential at all', () => {
    assert.match(refusal(`  tokens: [{ label: 'group:finance', sha256: ${alice.sha256} }]\n`), /^toolgate\.yaml: \/admin\/tokens\/0\/label: expected a label of letters/);
    assert.match(refusal('  tokens: [{ label: alice, sha256: abc }]\n'), /^toolgate\.yaml: \/admin\/tokens\/0\/sha256: expected 64 lowercase hex digits/);
    assert.match(refusal(`  tokens: [{ label: alice, sha256: ${alice.sha256}, groups: [x] }]\n`), /^toolgate\.yaml: \/admin\/tokens\/0: unknown field "groups"/);
    assert.equal(refusal('  tokens: []\n'), 'toolgate.yaml: /admin: expected token_sha256, tokens: [{ label, sha256 }] (toolgate admin token) or jwt: { issuer, audience, jwks_url }');
  });
});

describe('identifyAdmin', () => {
  const credentials = [
    { label: 'admin', sha256: root.sha256 },
    { label: 'alice', sha256: alice.sha256 },
    { label: 'bob', sha256: bob.sha256 },
  ];

  test('each token is the admin whose hash it has', () => {
    assert.deepEqual(identifyAdmin(`Bearer ${alice.token}`, credentials), { label: 'alice' });
    assert.deepEqual(identifyAdmin(`Bearer ${bob.token}`, credentials), { label: 'bob' });
    assert.deepEqual(identifyAdmin(`Bearer ${root.token}`, credentials), { label: 'admin' });
  });

  test('nobody, for no header, another token, a grant-shaped token or a hash sent as the token', () => {
    for (const header of [undefined, '', `Bearer ${mintAdminToken().token}`, `Bearer tgk_${alice.token.slice(4)}`, `Bearer ${alice.sha256}`, alice.token]) {
      assert.equal(identifyAdmin(header, credentials), undefined, `${String(header)} is no admin`);
    }
    assert.equal(identifyAdmin(`Bearer ${alice.token}`, []), undefined, 'without credentials nobody is an admin');
  });
});

describe('admin.jwt: people signing in to the admin API with the identity provider', () => {
  const ISSUER = 'https://idp.example.test/';
  const ADMIN_AUDIENCE = 'toolgate-admin';
  const AGENT_AUDIENCE = 'toolgate';
  const idp = createServer();
  let keys: Awaited<ReturnType<typeof generateKeyPair>>;
  let jwksUrl = '';

  before(async () => {
    keys = await generateKeyPair('ES256');
    const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(keys.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }] });
    idp.on('request', (_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end(jwks));
    await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(idp.address() as AddressInfo).port}/jwks`;
  });
  after(() => new Promise<void>((resolve) => idp.close(() => resolve())));

  const sign = (claims: JWTPayload, audience: string | string[] = ADMIN_AUDIENCE, expires = '5m') =>
    new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuer(ISSUER).setAudience(audience).setExpirationTime(expires).sign(keys.privateKey);
  const adminJwt = (extra = '') => `  jwt: { issuer: '${ISSUER}', audience: ${ADMIN_AUDIENCE}, jwks_url: '${jwksUrl}'${extra} }\n`;
  const agents = (audience = AGENT_AUDIENCE) => `auth: jwt\njwt: { issuer: '${ISSUER}', audience: ${audience}, jwks_url: '${jwksUrl}' }\n`;
  const authenticator = (admin: string, top = '') => adminAuthenticatorFor(parseConfig(`${SERVERS}${top}admin:\n${admin}`, 'toolgate.yaml', {}));
  const rejectedWith = (outcome: AdminOutcome, description: string) => assert.deepEqual(outcome, { kind: 'rejected', description, invalidToken: true });

  test('turns the API on alone, and names the admin by the subject claim', async () => {
    const admins = await authenticator(adminJwt());
    assert.equal(admins.configured, true, 'admin.jwt alone is a way in');
    assert.deepEqual(await admins.identify(`Bearer ${await sign({ sub: 'alice' })}`), { kind: 'ok', admin: { label: 'alice' } });
    const byEmail = await authenticator(adminJwt(', subject_claim: email'));
    assert.deepEqual(await byEmail.identify(`Bearer ${await sign({ sub: '00u1x', email: 'bob@example.com' })}`), { kind: 'ok', admin: { label: 'bob@example.com' } });
  });

  test('admin tokens keep working beside it, and a JWT is no admin where admin.jwt is not set', async () => {
    const admins = await authenticator(`  tokens: [{ label: carol, sha256: ${alice.sha256} }]\n${adminJwt()}`);
    assert.deepEqual(await admins.identify(`Bearer ${alice.token}`), { kind: 'ok', admin: { label: 'carol' } });
    const tokensOnly = await authenticator(`  tokens: [{ label: carol, sha256: ${alice.sha256} }]\n`);
    rejectedWith(await tokensOnly.identify(`Bearer ${await sign({ sub: 'alice' })}`), 'not an admin token');
    assert.deepEqual(await tokensOnly.identify(undefined), { kind: 'rejected', description: 'the admin API needs Authorization: Bearer <admin token>', invalidToken: false });
  });

  test("an agent's token never opens it: another audience, or the agents' audience beside the admin API's", async () => {
    const admins = await authenticator(adminJwt(), agents());
    rejectedWith(await admins.identify(`Bearer ${await sign({ sub: 'alice' }, AGENT_AUDIENCE)}`), 'the token is for another audience');
    rejectedWith(await admins.identify(`Bearer ${await sign({ sub: 'alice' }, [ADMIN_AUDIENCE, AGENT_AUDIENCE])}`), "the token is for the agents' audience too: an admin's token must be for the admin API alone");
    assert.equal(refusal(`${adminJwt().replace(ADMIN_AUDIENCE, AGENT_AUDIENCE)}${agents()}`), "toolgate.yaml: /admin/jwt/audience: the agents' audience (jwt.audience): an agent's token would open the admin API; give the admin API an audience of its own");
  });

  test('a subject that cannot be an approver name, a missing one, an expired token or a tampered one is refused, naming what failed', async () => {
    const admins = await authenticator(adminJwt());
    rejectedWith(await admins.identify(`Bearer ${await sign({ sub: 'group:finance' })}`), 'the token\'s "sub" claim is not an approver name');
    rejectedWith(await admins.identify(`Bearer ${await sign({ sub: 'x'.repeat(65) })}`), 'the token\'s "sub" claim is not an approver name');
    rejectedWith(await admins.identify(`Bearer ${await sign({})}`), 'the token has no "sub" claim');
    const byConstructor = await authenticator(adminJwt(', subject_claim: constructor'));
    rejectedWith(await byConstructor.identify(`Bearer ${await sign({ sub: 'alice' })}`), 'the token has no "constructor" claim');
    rejectedWith(await admins.identify(`Bearer ${await sign({ sub: 'alice' }, ADMIN_AUDIENCE, '-1m')}`), 'the token has expired');
    const token = await sign({ sub: 'alice' });
    const [header, , signature] = token.split('.');
    const forged = `${header}.${Buffer.from(JSON.stringify({ sub: 'admin', iss: ISSUER, aud: ADMIN_AUDIENCE, exp: 2e9 })).toString('base64url')}.${signature}`;
    rejectedWith(await admins.identify(`Bearer ${forged}`), "the token's signature does not verify");
  });

  test("the identity provider's keys out of reach: unavailable, not refused, and nothing let in", async () => {
    const gone = createServer();
    await new Promise<void>((resolve) => gone.listen(0, '127.0.0.1', resolve));
    const port = (gone.address() as AddressInfo).port;
    await new Promise((resolve) => gone.close(resolve));
    const admins = await adminAuthenticatorFor(parseConfig(`${SERVERS}admin:\n  jwt: { issuer: '${ISSUER}', audience: a, jwks_url: 'http://127.0.0.1:${port}/jwks' }\n`, 'toolgate.yaml', {}));
    await assert.rejects(admins.identify(`Bearer ${await sign({ sub: 'alice' }, 'a')}`), AuthenticationUnavailable);
  });
});
