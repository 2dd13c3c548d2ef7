import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { CheckpointSigner, checkpointSigned } from './checkpoint.js';
import { keyId } from './signing-keys.js';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const head = { seq: 41, hash: 'a'.repeat(64) };

test('a checkpoint names its key and verifies with the public key', () => {
  const checkpoint = new CheckpointSigner(privateKey).checkpoint(head, 1_700_000_000_000);
  assert.deepEqual({ ...checkpoint, signature: undefined }, { kind: 'checkpoint', time: 1_700_000_000_000, head, key: keyId(publicKey), signature: undefined });
  assert.ok(checkpointSigned(checkpoint, publicKey));
});

test('a changed head, time or signature, or another key, does not verify', () => {
  const checkpoint = new CheckpointSigner(privateKey).checkpoint(head, 1_700_000_000_000);
  assert.ok(!checkpointSigned({ ...checkpoint, head: { ...head, seq: 42 } }, publicKey));
  assert.ok(!checkpointSigned({ ...checkpoint, head: { ...head, hash: 'b'.repeat(64) } }, publicKey));
  assert.ok(!checkpointSigned({ ...checkpoint, time: checkpoint.time + 1 }, publicKey));
  assert.ok(!checkpointSigned({ ...checkpoint, signature: `${checkpoint.signature.slice(0, -2)}${checkpoint.signature.endsWith('AA') ? 'BB' : 'AA'}` }, publicKey));
  assert.ok(!checkpointSigned({ ...checkpoint, signature: 42 as unknown as string }, publicKey), 'a signature of the wrong type');
  assert.ok(!checkpointSigned(checkpoint, generateKeyPairSync('ed25519').publicKey));
});
