import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { generateSigningKeys, keyId, readPublicKey, readSigningKey } from './signing-keys.js';

const dir = mkdtempSync(join(tmpdir(), 'toolgate-keys-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

test('a generated pair reads back, and both halves have the same key id', () => {
  const { privatePem, publicPem, keyId: id } = generateSigningKeys();
  const privateKey = readSigningKey(file('signing.pem', privatePem));
  const publicKey = readPublicKey(file('signing.pub.pem', publicPem));
  assert.match(id, /^[0-9a-f]{16}$/);
  assert.equal(keyId(privateKey), id);
  assert.equal(keyId(publicKey), id);
  assert.notEqual(generateSigningKeys().keyId, id);
});

test('a key file that is missing, not PEM, not Ed25519 or the wrong half is refused, naming the file', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const rsaFile = file('rsa.pem', rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
  const absent = join(dir, 'absent.pem');
  assert.throws(() => readSigningKey(absent), { message: `${absent} cannot be read: ENOENT` });
  assert.throws(() => readSigningKey(file('text.pem', 'hello')), /text\.pem is not a PEM private key/);
  assert.throws(() => readSigningKey(rsaFile), /rsa\.pem holds an rsa key; checkpoints are signed with Ed25519/);
  assert.throws(() => readPublicKey(file('private.pem', generateSigningKeys().privatePem)), /private\.pem is a private key; give the public key/);
  assert.throws(() => readPublicKey(file('rsa.pub.pem', rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string)), /holds an rsa key/);
});
