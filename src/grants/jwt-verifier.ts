import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyOptions } from 'jose';
import { AuthenticationUnavailable } from './authenticator.js';

/** One identity provider's tokens for one audience: agents' (`jwt`) or admins' (`admin.jwt`), never both. */
export interface JwtIssuer {
  readonly issuer: string;
  /** This gateway (or its admin API), as the tokens' `aud` names it. */
  readonly audience: string;
  readonly jwksUrl: string;
}

/** Public-key signatures only: an HS* secret would have to be shared with the gateway, and `none` is no signature. */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];

const KEYS_UNAVAILABLE = "the identity provider's signing keys could not be fetched";
const FAILURES: Record<string, string> = {
  ERR_JWT_EXPIRED: 'the token has expired',
  ERR_JOSE_ALG_NOT_ALLOWED: "the token's signing algorithm is not allowed",
  ERR_JOSE_NOT_SUPPORTED: 'the token uses an unsupported algorithm or header',
  ERR_JWS_INVALID: 'not a well-formed signed JWT',
  ERR_JWT_INVALID: 'not a well-formed signed JWT',
  ERR_JWS_SIGNATURE_VERIFICATION_FAILED: "the token's signature does not verify",
  ERR_JWKS_NO_MATCHING_KEY: "the token is not signed with any of the identity provider's keys",
  ERR_JWKS_MULTIPLE_MATCHING_KEYS: "the token does not say which of the identity provider's keys signed it",
  // jose raises the generic error only for a key set response that is not 200 OK with JSON.
  ERR_JOSE_GENERIC: KEYS_UNAVAILABLE,
  ERR_JWKS_TIMEOUT: KEYS_UNAVAILABLE,
  ERR_JWKS_INVALID: KEYS_UNAVAILABLE,
  ERR_JWK_INVALID: KEYS_UNAVAILABLE,
};

/** The claims as a map: a claim named `constructor` finds nothing, where on an object it would find Object's. */
export type Verified = { ok: true; claims: ReadonlyMap<string, unknown> } | { ok: false; why: string };

/**
 * Checks a token's signature against the issuer's published keys, and its issuer, audience and expiry. jose caches
 * the key set (its defaults: fetched again after 10 minutes, or when a token names an unknown key but at most every
 * 30 seconds), so the provider's key rotations need no restart.
 */
export class JwtVerifier {
  private readonly keys: ReturnType<typeof createRemoteJWKSet>;
  private readonly checks: JWTVerifyOptions;

  constructor({ issuer, audience, jwksUrl }: JwtIssuer) {
    this.keys = createRemoteJWKSet(new URL(jwksUrl));
    // `exp` is required: a token from an identity provider that never expires would outlive its session.
    this.checks = { issuer, audience, algorithms: ALGORITHMS, clockTolerance: '30s', requiredClaims: ['exp'] };
  }

  /** The token's claims, or what failed in words for the client. Throws AuthenticationUnavailable when the keys cannot be fetched. */
  async verify(token: string): Promise<Verified> {
    try {
      return { ok: true, claims: new Map(Object.entries((await jwtVerify(token, this.keys, this.checks)).payload)) };
    } catch (error) {
      const why = failure(error);
      if (why === KEYS_UNAVAILABLE) throw new AuthenticationUnavailable(why);
      return { ok: false, why };
    }
  }
}

/** What failed, in words for the client: never the token or the values of its claims. */
function failure(error: unknown): string {
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.reason === 'missing') return `the token has no "${error.claim}" claim`;
    if (error.claim === 'iss') return 'the token is from another issuer';
    if (error.claim === 'aud') return 'the token is for another audience';
    if (error.claim === 'nbf') return 'the token is not valid yet';
    return `the token's "${error.claim}" claim is invalid`;
  }
  if (error instanceof errors.JOSEError) return FAILURES[error.code] ?? 'the token could not be verified';
  // Fetching the key set is the only I/O in verifying, and fetch fails with plain errors.
  return KEYS_UNAVAILABLE;
}
