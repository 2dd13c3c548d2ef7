import crypto from 'node:crypto';
import { crc32 } from 'node:zlib';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** Bytes below 4 × 62 map evenly onto base62; bytes at or above it are redrawn, so every character is equally likely. */
const UNBIASED_BELOW = 248;
/** Secret scanners recognise leaked Toolgate tokens by this prefix (and confirm them by the checksum). */
const PREFIX = 'tgk_';
const KEY_ID_LENGTH = 12;
const SECRET_LENGTH = 40;
const CHECKSUM_LENGTH = 6;
const FORMAT = new RegExp(`^${PREFIX}([0-9A-Za-z]{${KEY_ID_LENGTH}})_([0-9A-Za-z]{${SECRET_LENGTH}})([0-9A-Za-z]{${CHECKSUM_LENGTH}})$`);

/** A token taken apart: `keyId` finds the credential, `secret` proves it. */
export interface TokenParts {
  readonly keyId: string;
  readonly secret: string;
}

/** `length` base62 characters from a cryptographic source, by rejection sampling (no modulo bias). */
export function randomBase62(length: number, random: (size: number) => Buffer = crypto.randomBytes): string {
  let out = '';
  while (out.length < length) {
    for (const byte of random(length - out.length)) {
      if (byte < UNBIASED_BELOW) out += BASE62[byte % 62];
    }
  }
  return out;
}

/** A new token, `tgk_<keyId>_<secret><checksum>`: about 238 bits of secret. Shown once; only its hash is kept. */
export function mintToken(): TokenParts & { readonly token: string } {
  const keyId = randomBase62(KEY_ID_LENGTH);
  const secret = randomBase62(SECRET_LENGTH);
  return { token: formatToken(keyId, secret), keyId, secret };
}

/** The token for these parts, with its checksum. */
export function formatToken(keyId: string, secret: string): string {
  const body = `${PREFIX}${keyId}_${secret}`;
  return body + checksum(body);
}

/**
 * The parts of a token written exactly as minted, or undefined: no whitespace, other prefix, other length or wrong
 * checksum gets as far as a store lookup.
 */
export function parseToken(text: string): TokenParts | undefined {
  const match = FORMAT.exec(text);
  if (!match) return undefined;
  const [, keyId, secret, sum] = match;
  return checksum(`${PREFIX}${keyId}_${secret}`) === sum ? { keyId: keyId!, secret: secret! } : undefined;
}

/**
 * SHA-256 of the secret. A fast hash is the right tool here, not a password KDF: the secret is random with ~238 bits
 * of entropy, so no amount of guessing speed makes it findable, and a slow hash would only tax every request.
 */
export function hashSecret(secret: string): Buffer {
  return crypto.createHash('sha256').update(secret).digest();
}

/** Compares hashes in constant time, so response timing says nothing about how much of a guess was right. */
export function safeEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

/** CRC32 of the body in base62, zero-padded: 62^6 > 2^32, so every checksum fits. */
function checksum(body: string): string {
  let n = crc32(body);
  let out = '';
  for (let i = 0; i < CHECKSUM_LENGTH; i++) {
    out = BASE62[n % 62] + out;
    n = Math.floor(n / 62);
  }
  return out;
}
