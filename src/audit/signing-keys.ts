import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** A new checkpoint key pair as PEM: PKCS#8 for the private key (`audit.signing_key`), SPKI for the public one. */
export function generateSigningKeys(): { privatePem: string; publicPem: string; keyId: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }) as string,
    keyId: keyId(publicKey),
  };
}

/**
 * The id a checkpoint names its key by: the first 16 hex digits of the SHA-256 of the public key (DER SPKI), so a
 * verifier given several public keys (rotation, replicas with keys of their own) knows which one to try.
 */
export function keyId(key: KeyObject): string {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
}

/** The Ed25519 private key in `file` (PEM); an error names the file and what was expected. */
export function readSigningKey(file: string): KeyObject {
  return ed25519(parsed(file, readKeyFile(file), createPrivateKey, 'private'), file);
}

/** The Ed25519 public key in `file` (PEM), never a private key: verifying needs nothing secret. */
export function readPublicKey(file: string): KeyObject {
  const text = readKeyFile(file);
  if (text.includes('PRIVATE KEY')) throw new Error(`${file} is a private key; give the public key (the .pub.pem from toolgate audit keygen)`);
  return ed25519(parsed(file, text, createPublicKey, 'public'), file);
}

function parsed(file: string, text: string, create: (pem: string) => KeyObject, kind: 'private' | 'public'): KeyObject {
  try {
    return create(text);
  } catch {
    throw new Error(`${file} is not a PEM ${kind} key (toolgate audit keygen makes one)`);
  }
}

function readKeyFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`${file} cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

function ed25519(key: KeyObject, file: string): KeyObject {
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${file} holds an ${key.asymmetricKeyType ?? 'unknown'} key; checkpoints are signed with Ed25519 (toolgate audit keygen makes one)`);
  return key;
}
