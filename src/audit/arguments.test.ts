import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { auditArguments, isSecretName, looksLikeCredential, REDACTED } from './arguments.js';

/** Random-looking text of a given alphabet, derived from a seed so fast-check can shrink it. */
const random = (seed: number, encoding: 'hex' | 'base64' | 'base64url', length: number) =>
  createHash('sha512').update(String(seed)).digest(encoding).replace(/=/g, '').slice(0, length);

const CREDENTIALS: ((seed: number) => string)[] = [
  (s) => `eyJhbGciOiJIUzI1NiJ9.${random(s, 'base64url', 30)}.${random(s + 1, 'base64url', 43)}`,
  (s) => `Bearer ${random(s, 'base64url', 24)}`,
  (s) => `sk-proj-${random(s, 'base64url', 40)}`,
  (s) => `sk_live_${random(s, 'base64url', 24)}`,
  (s) => `ghp_${random(s, 'base64url', 36).replace(/[-_]/g, 'a')}`,
  (s) => `github_pat_11${random(s, 'base64url', 60).replace(/-/g, 'b')}`,
  (s) => `xoxb-1234-5678-${random(s, 'base64url', 24)}`,
  (s) => `AKIA${random(s, 'hex', 16).toUpperCase()}`,
  (s) => `tgk_${random(s, 'base64url', 12).replace(/[-_]/g, 'c')}_${random(s + 1, 'base64url', 44).replace(/[-_]/g, 'd')}`,
  (s) => `tga_${random(s, 'base64url', 40).replace(/[-_]/g, 'e')}`,
  (s) => `-----BEGIN RSA PRIVATE KEY-----\n${random(s, 'base64', 64)}\n-----END RSA PRIVATE KEY-----`,
  (s) => random(s, 'hex', 64),
  (s) => random(s, 'base64', 40),
];

const credential = fc.tuple(fc.integer({ min: 0, max: CREDENTIALS.length - 1 }), fc.nat()).map(([kind, seed]) => CREDENTIALS[kind]!(seed));

/** A credential as a whole value or inside text. */
class Planted {
  constructor(
    readonly secret: string,
    readonly value: string,
  ) {}
}
const planted = fc.tuple(credential, fc.constantFrom('', 'token is ', 'Authorization: '), fc.constantFrom('', ' (expires soon)')).map(([c, before, after]) => new Planted(c, `${before}${c}${after}`));
const secretName = fc.tuple(fc.constantFrom('', 'x_', 'my-'), fc.constantFrom('password', 'Token', 'API_KEY', 'api-key', 'clientSecret', 'Authorization', 'cookie', 'private_key', 'AWS_ACCESS_KEY_ID', 'refresh_token')).map((parts) => parts.join(''));
const innocent = fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.boolean(), fc.constant(null));
const safeKey = fc.constantFrom('owner', 'repo', 'path', 'query', 'limit', 'body', 'items');

/** Arguments with credentials planted at any depth, and plain words under secret names. */
const tree = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, innocent, planted, tie('object'), fc.array(tie('value'), { maxLength: 3 })),
  object: fc.dictionary(fc.oneof(safeKey, secretName), tie('value'), { maxKeys: 4 }),
}));
const planting = fc.tuple(tree.object, planted, secretName, fc.nat()).map(([base, first, name, seed]) => ({ ...(base as object), note: first, [name]: `plain-words-${seed}` }));

/** The arguments as a call would carry them, and every secret planted in them. */
function materialize(value: unknown, secrets: string[]): unknown {
  if (value instanceof Planted) return secrets.push(value.secret), value.value;
  if (Array.isArray(value)) return value.map((item) => materialize(item, secrets));
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([key, field]) => [key, isSecretName(key) && typeof field === 'string' ? (secrets.push(field), field) : materialize(field, secrets)]));
}

test('redacted arguments never hold a planted secret (property)', () => {
  fc.assert(
    fc.property(planting, (generated) => {
      const secrets: string[] = [];
      const args = materialize(generated, secrets);
      const text = JSON.stringify(auditArguments(args, 'redacted'));
      // Under a secret name, a value short enough to occur by chance elsewhere is not evidence.
      for (const secret of secrets.filter((s) => s.length >= 8)) assert.ok(!text.includes(secret), `${secret} in ${text}`);
    }),
    { numRuns: 1_000 },
  );
});

test('keys mode keeps the sorted top-level names and no value (property)', () => {
  fc.assert(
    fc.property(fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.jsonValue()), (args) => {
      // Exactly the names: there is nowhere left for a value to be.
      assert.deepEqual(auditArguments(args, 'keys'), Object.keys(args).sort());
    }),
    { numRuns: 500 },
  );
});

test('redaction keeps what is not secret, and full keeps everything', () => {
  const args = { owner: 'octo', auth_token: 'x', headers: { Cookie: 'a=b', accept: 'json' }, items: [{ 'Private-Key': 1 }, 'Bearer abcdefgh12345678'], count: 3 };
  assert.deepEqual(auditArguments(args, 'redacted'), { owner: 'octo', auth_token: REDACTED, headers: { Cookie: REDACTED, accept: 'json' }, items: [{ 'Private-Key': REDACTED }, REDACTED], count: 3 });
  assert.equal(auditArguments(args, 'full'), args);
  assert.equal(auditArguments('text', 'keys'), undefined);
  assert.equal(auditArguments([1, 2], 'keys'), undefined);
});

test('ordinary text, paths and ids are not taken for credentials', () => {
  for (const text of ['/home/someone/projects/toolgate/src/audit/chain.ts', 'The quick brown fox jumps over the lazy dog again and again', 'a1b2c3', 'SELECT * FROM users WHERE id = 42', 'https://example.com/some/long/path/to/a/resource']) {
    assert.equal(looksLikeCredential(text), false, text);
  }
  for (const name of ['owner', 'author', 'path', 'description']) assert.equal(isSecretName(name), false, name);
});
