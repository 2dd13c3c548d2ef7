import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { generateSigningKeys } from '../audit/signing-keys.js';
import { UsageError } from './errors.js';

export interface KeygenOptions {
  out: string;
  json?: boolean;
}

/** The files keygen writes in `--out`: the private key for `audit.signing_key`, the public one for verify. */
export const PRIVATE_KEY_FILE = 'audit-signing.pem';
export const PUBLIC_KEY_FILE = 'audit-signing.pub.pem';

/**
 * `toolgate audit keygen`: an Ed25519 key pair for signed checkpoints, as PEM files. The private key is readable by
 * its owner only (0600) and an existing key is never overwritten: a lost private key only stops new checkpoints, an
 * overwritten public key would make every old checkpoint unverifiable.
 */
export async function keygen(options: KeygenOptions): Promise<void> {
  const privateFile = resolve(options.out, PRIVATE_KEY_FILE);
  const publicFile = resolve(options.out, PUBLIC_KEY_FILE);
  for (const file of [privateFile, publicFile]) {
    if (existsSync(file)) throw new UsageError(`${file} exists: keygen never overwrites a key (move it away, or choose another --out)`);
  }
  const keys = generateSigningKeys();
  await mkdir(options.out, { recursive: true, mode: 0o700 });
  await writeFile(privateFile, keys.privatePem, { mode: 0o600, flag: 'wx' });
  await writeFile(publicFile, keys.publicPem, { mode: 0o644, flag: 'wx' });
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ keyId: keys.keyId, privateKey: privateFile, publicKey: publicFile })}\n`);
    return;
  }
  process.stdout.write(
    `key ${keys.keyId}\n` +
      `  private key: ${privateFile} (mode 0600): set audit: { signing_key: ${privateFile} } and keep it where the database's writers cannot read it\n` +
      `  public key:  ${publicFile}: check the log with toolgate audit verify --public-key ${publicFile}\n`,
  );
}
