import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { describe, test } from 'node:test';
import { formatToken, hashSecret, mintToken, parseToken, randomBase62, safeEqual } from './token.js';

describe('tokens', () => {
  test('a minted token is tgk_, a 12-character key id, and 40 characters of secret with a 6-character checksum', () => {
    const { token, keyId, secret } = mintToken();
    assert.match(token, /^tgk_[0-9A-Za-z]{12}_[0-9A-Za-z]{46}$/);
    assert.ok(token.startsWith(`tgk_${keyId}_${secret}`));
    assert.deepEqual(parseToken(token), { keyId, secret });
  });

  test('no two minted tokens share a key id or a secret', () => {
    const minted = Array.from({ length: 1_000 }, () => mintToken());
    assert.equal(new Set(minted.map((t) => t.keyId)).size, minted.length);
    assert.equal(new Set(minted.map((t) => t.secret)).size, minted.length);
  });

  test('random characters are drawn without bias: bytes of 248 and above are redrawn', () => {
    const draws = [Buffer.from([255, 0, 248, 61]), Buffer.from([62, 247])];
    assert.equal(randomBase62(4, () => draws.shift()!), '0z0z');
  });

  describe('parsing rejects anything not exactly as minted', () => {
    const { token, keyId, secret } = mintToken();
    const changed = (at: number) => token.slice(0, at) + (token[at] === 'A' ? 'B' : 'A') + token.slice(at + 1);
    const cases: [string, string][] = [
      ['empty', ''],
      ['truncated', token.slice(0, -1)],
      ['without its checksum', `tgk_${keyId}_${secret}`],
      ['with a character too many', `${token}A`],
      ['with leading whitespace', ` ${token}`],
      ['with a trailing newline', `${token}\n`],
      ['with inner whitespace', `${token.slice(0, 20)} ${token.slice(20)}`],
      ['under another prefix', token.replace(/^tgk_/, 'ghp_')],
      ['with the prefix in capitals', token.replace(/^tgk_/, 'TGK_')],
      ['with one character of the secret changed', changed(30)],
      ['with one character of the key id changed', changed(6)],
      ['with one character of the checksum changed', changed(token.length - 1)],
      ['with a character outside base62', `${token.slice(0, 30)}-${token.slice(31)}`],
    ];
    for (const [name, text] of cases) {
      test(name, () => assert.equal(parseToken(text), undefined));
    }
  });

  test('a token formatted from parts parses back to them', () => {
    const keyId = randomBase62(12);
    const secret = randomBase62(40);
    assert.deepEqual(parseToken(formatToken(keyId, secret)), { keyId, secret });
  });

  test('the stored hash is SHA-256 of the secret', () => {
    const { secret } = mintToken();
    assert.equal(hashSecret(secret).toString('hex'), crypto.createHash('sha256').update(secret).digest('hex'));
  });
});

describe('safeEqual', () => {
  test('compares with crypto.timingSafeEqual', (t) => {
    const spy = t.mock.method(crypto, 'timingSafeEqual');
    const hash = hashSecret('a');
    assert.equal(safeEqual(hash, Buffer.from(hash)), true);
    assert.equal(safeEqual(hash, hashSecret('b')), false);
    assert.equal(spy.mock.callCount(), 2);
  });

  test('hashes of different lengths are unequal, without throwing', () => {
    assert.equal(safeEqual(hashSecret('a'), hashSecret('a').subarray(0, 31)), false);
    assert.equal(safeEqual(Buffer.alloc(0), hashSecret('a')), false);
  });
});
