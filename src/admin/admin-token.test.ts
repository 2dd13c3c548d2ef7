import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { describe, test } from 'node:test';
import { mintToken } from '../grants/token.js';
import { adminTokenMatches, mintAdminToken } from './admin-token.js';

const sha256Hex = (text: string) => crypto.createHash('sha256').update(text).digest('hex');

describe('admin tokens', () => {
  test('a minted token is tga_ and 43 base62 characters; its sha256 is the lowercase hex SHA-256 of the whole token', () => {
    const { token, sha256 } = mintAdminToken();
    assert.match(token, /^tga_[0-9A-Za-z]{43}$/);
    assert.equal(sha256, sha256Hex(token));
    assert.match(sha256, /^[0-9a-f]{64}$/);
  });

  test('no two minted tokens are the same', () => {
    assert.equal(new Set(Array.from({ length: 1_000 }, () => mintAdminToken().token)).size, 1_000);
  });

  test('the token matches its own hash only', () => {
    const { token, sha256 } = mintAdminToken();
    assert.equal(adminTokenMatches(`Bearer ${token}`, sha256), true);
    assert.equal(adminTokenMatches(`Bearer ${token}`, mintAdminToken().sha256), false);
  });

  test('the scheme is case-insensitive and may be followed by more than one space', () => {
    const { token, sha256 } = mintAdminToken();
    for (const header of [`bearer ${token}`, `BEARER ${token}`, `bEaReR ${token}`, `Bearer  ${token}`]) {
      assert.equal(adminTokenMatches(header, sha256), true, header);
    }
  });

  describe('anything else is refused', () => {
    const { token, sha256 } = mintAdminToken();
    const cases: [string, string | undefined][] = [
      ['no header', undefined],
      ['an empty header', ''],
      ['the scheme alone', 'Bearer'],
      ['the token without a scheme', token],
      ['another scheme', `Basic ${token}`],
      ['Basic credentials', `Basic ${Buffer.from(`admin:${token}`).toString('base64')}`],
      ['no space after the scheme', `Bearer${token}`],
      ['a tab after the scheme', `Bearer\t${token}`],
      ['a leading space', ` Bearer ${token}`],
      ['a trailing space', `Bearer ${token} `],
      ['a trailing newline', `Bearer ${token}\n`],
      ['whitespace inside the token', `Bearer ${token.slice(0, 20)} ${token.slice(20)}`],
      ['two tokens', `Bearer ${token} ${token}`],
      ['truncated', `Bearer ${token.slice(0, -1)}`],
      ['one character too many', `Bearer ${token}A`],
      ['the prefix in capitals', `Bearer TGA_${token.slice(4)}`],
      ['no prefix', `Bearer ${token.slice(4)}`],
    ];
    for (const [name, header] of cases) {
      test(name, () => assert.equal(adminTokenMatches(header, sha256), false));
    }
  });

  test('a token without the tga_ prefix never matches, even with its own hash configured', () => {
    const grantToken = mintToken().token;
    assert.equal(adminTokenMatches(`Bearer ${grantToken}`, sha256Hex(grantToken)), false);
    const unprefixed = mintAdminToken().token.slice(4);
    assert.equal(adminTokenMatches(`Bearer ${unprefixed}`, sha256Hex(unprefixed)), false);
  });

  test('an expected hash that is not 64 hex digits matches nothing', () => {
    const { token, sha256 } = mintAdminToken();
    for (const expected of ['', sha256.slice(0, 62), `${sha256.slice(0, 63)}z`, `zz${sha256.slice(2)}`]) {
      assert.equal(adminTokenMatches(`Bearer ${token}`, expected), false, expected);
    }
  });
});
