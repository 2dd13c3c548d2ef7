import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseConfig } from '../config/load.js';
import { DocumentError } from '../documents/errors.js';
import { adminCredentials, identifyAdmin } from './admin-identity.js';
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
    assert.equal(refusal('  tokens: []\n'), 'toolgate.yaml: /admin: expected token_sha256 or tokens: [{ label, sha256 }] (toolgate admin token)');
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
