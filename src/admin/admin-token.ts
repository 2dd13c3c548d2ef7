import crypto from 'node:crypto';
import { bearerToken } from '../grants/authenticator.js';
import { randomBase62, safeEqual } from '../grants/token.js';

/** Not `tgk_`: a grant token can never pass for the admin credential, and secret scanners can tell the two apart. */
const FORMAT = /^tga_[0-9A-Za-z]{43}$/;

/**
 * A new admin token, `tga_` and 43 base62 characters (about 256 bits), with the SHA-256 the configuration keeps
 * (`admin.token_sha256`), so a leaked configuration file does not leak the credential.
 */
export function mintAdminToken(): { token: string; sha256: string } {
  const token = `tga_${randomBase62(43)}`;
  return { token, sha256: sha256(token).toString('hex') };
}

/**
 * Whether `Authorization: Bearer <token>` carries the admin token with this SHA-256. A fast hash is right, not a
 * password KDF: the token is random with ~256 bits of entropy, so guessing speed cannot find it, and a slow hash
 * would only tax every admin request.
 */
export function adminTokenMatches(authorizationHeader: string | undefined, expectedSha256Hex: string): boolean {
  const presented = presentedAdminToken(authorizationHeader);
  return presented !== undefined && digestMatches(presented, expectedSha256Hex);
}

/** The SHA-256 of the admin token `Authorization: Bearer <token>` carries; undefined when it carries none. */
export function presentedAdminToken(authorizationHeader: string | undefined): Buffer | undefined {
  const bearer = bearerToken(authorizationHeader);
  return 'token' in bearer && FORMAT.test(bearer.token) ? sha256(bearer.token) : undefined;
}

/** Compared in constant time. An expected value that is not 64 hex digits decodes to fewer bytes and so never matches. */
export function digestMatches(presented: Buffer, expectedSha256Hex: string): boolean {
  return safeEqual(presented, Buffer.from(expectedSha256Hex, 'hex'));
}

function sha256(text: string): Buffer {
  return crypto.createHash('sha256').update(text).digest();
}
