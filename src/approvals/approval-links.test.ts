import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { approvalLink, linkToken, verifyLink, type LinkClaims } from './approval-links.js';

const SECRET = 'link-secret-for-tests-0123456789abcdef';
const NOW = 1_700_000_000_000;
const APPROVE: LinkClaims = { id: 'ap_4fJq9ZkT2mXcV8nB1sLdR7', verdict: 'approve', expiresAt: NOW + 60_000 };

describe('approval links', () => {
  test('a token verifies as the request and verdict it was made for, until its expiry', () => {
    const token = linkToken(SECRET, APPROVE);
    assert.deepEqual(verifyLink(SECRET, token, NOW), { ok: true, id: APPROVE.id, verdict: 'approve' });
    assert.deepEqual(verifyLink(SECRET, token, APPROVE.expiresAt - 1), { ok: true, id: APPROVE.id, verdict: 'approve' });
    assert.deepEqual(verifyLink(SECRET, linkToken(SECRET, { ...APPROVE, verdict: 'deny' }), NOW), { ok: true, id: APPROVE.id, verdict: 'deny' });
  });

  test('the link names the request and verdict in its path and carries a URL-safe token', () => {
    const link = new URL(approvalLink('https://toolgate.example.com/base/', SECRET, APPROVE));
    assert.equal(link.pathname, `/base/approvals/${APPROVE.id}/approve`);
    const token = link.searchParams.get('token');
    assert.equal(token, linkToken(SECRET, APPROVE));
    assert.equal(encodeURIComponent(token!), token, 'the token needs no escaping in a URL');
    assert.deepEqual(verifyLink(SECRET, token, NOW, { id: APPROVE.id, verdict: 'approve' }), { ok: true, id: APPROVE.id, verdict: 'approve' });
  });

  test('a token is refused once its expiry is reached', () => {
    const token = linkToken(SECRET, APPROVE);
    assert.deepEqual(verifyLink(SECRET, token, APPROVE.expiresAt), { ok: false, reason: 'expired' });
    assert.deepEqual(verifyLink(SECRET, token, APPROVE.expiresAt + 86_400_000), { ok: false, reason: 'expired' });
  });

  test('an approve token does not work as a deny: neither rewritten nor presented on the deny path', () => {
    const token = linkToken(SECRET, APPROVE);
    assert.deepEqual(verifyLink(SECRET, token.replace('.approve.', '.deny.'), NOW), { ok: false, reason: 'bad signature' });
    assert.deepEqual(verifyLink(SECRET, token, NOW, { id: APPROVE.id, verdict: 'deny' }), { ok: false, reason: 'another link' });
    assert.deepEqual(verifyLink(SECRET, token, NOW, { id: 'ap_someOtherRequest00000', verdict: 'approve' }), { ok: false, reason: 'another link' });
  });

  test('a tampered token is refused: another id, a later expiry, a changed signature', () => {
    const token = linkToken(SECRET, APPROVE);
    const [version, id, verdict, expiry, mac] = token.split('.') as [string, string, string, string, string];
    const flipped = (mac[0] === 'A' ? 'B' : 'A') + mac.slice(1);
    for (const tampered of [
      [version, `${id.slice(0, -1)}X`, verdict, expiry, mac],
      [version, id, verdict, String(Number(expiry) + 3_600_000), mac],
      [version, id, verdict, expiry, flipped],
    ]) {
      assert.deepEqual(verifyLink(SECRET, tampered.join('.'), NOW), { ok: false, reason: 'bad signature' }, tampered.join('.'));
    }
  });

  test('a token made with another secret is refused', () => {
    assert.deepEqual(verifyLink(SECRET, linkToken('another-secret', APPROVE), NOW), { ok: false, reason: 'bad signature' });
  });

  test('malformed input is refused as malformed and never throws', () => {
    const token = linkToken(SECRET, APPROVE);
    const inputs: unknown[] = [
      undefined, null, 42, {}, ['v1'], '', 'v1', '....', token.replace(/^v1/, 'v2'), `${token}.`, `${token}=`, token.slice(0, -1),
      token.replace('.approve.', '.maybe.'), token.replace(APPROVE.id, 'ap/../../x'), token.replace(String(APPROVE.expiresAt), '-1'),
      token.replace(String(APPROVE.expiresAt), '1e12'),
      token.replace(String(APPROVE.expiresAt), `0${APPROVE.expiresAt}`), `${token}\n`, ' '.repeat(10_000), '\u0000'.repeat(60),
    ];
    for (const input of inputs) {
      assert.deepEqual(verifyLink(SECRET, input, NOW), { ok: false, reason: 'malformed' }, JSON.stringify(input)?.slice(0, 80));
    }
    assert.deepEqual(verifyLink(SECRET, token.replace(String(APPROVE.expiresAt), '9'.repeat(16)), NOW), { ok: false, reason: 'bad signature' }, 'an expiry past the safe integers is just a wrong signature');
  });

  test('a token cannot be made for an id that would break the link, or for a time that is none', () => {
    assert.throws(() => linkToken(SECRET, { ...APPROVE, id: 'ap_1/deny' }), /cannot be put in a link/);
    assert.throws(() => linkToken(SECRET, { ...APPROVE, id: 'a.b' }), /cannot be put in a link/);
    assert.throws(() => linkToken(SECRET, { ...APPROVE, expiresAt: 1.5 }), /epoch milliseconds/);
    assert.throws(() => linkToken('', APPROVE), /need a secret/);
  });
});
