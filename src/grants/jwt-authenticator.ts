import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyOptions } from 'jose';
import { AuthenticationUnavailable, bearerToken, type Authenticator, type AuthOutcome } from './authenticator.js';
import type { GrantStore } from './grant-store.js';
import { grantStatus, LABEL } from './grants.js';

export interface JwtOptions {
  readonly issuer: string;
  /** This gateway, as the tokens' `aud` names it. */
  readonly audience: string;
  readonly jwksUrl: string;
  /** The claim whose value is the caller's grant label. */
  readonly labelClaim: string;
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

/**
 * `auth: jwt`: tokens from the operator's identity provider, so teams sign in with their SSO. The label claim names
 * the caller, so it must be one users cannot choose for themselves. A label holding an active grant gets that grant
 * (its servers and policy): the operator narrows or widens one person with `toolgate grant`. Any other signed-in user
 * reaches every server under the servers' own policies: being let in by the identity provider is their grant. A label
 * whose grants are all revoked is refused, so revoking a person's grant keeps them out though their SSO still works;
 * a new grant lets them back. jose caches the key set (its defaults: fetched again after 10 minutes, or when a token
 * names an unknown key but at most every 30 seconds), so the provider's key rotations need no restart.
 */
export class JwtAuthenticator implements Authenticator {
  private readonly keys: ReturnType<typeof createRemoteJWKSet>;
  private readonly checks: JWTVerifyOptions;

  constructor(
    private readonly options: JwtOptions,
    private readonly store: GrantStore,
  ) {
    this.keys = createRemoteJWKSet(new URL(options.jwksUrl));
    // `exp` is required: a token from an identity provider that never expires would outlive its session.
    this.checks = { issuer: options.issuer, audience: options.audience, algorithms: ALGORITHMS, clockTolerance: '30s', requiredClaims: ['exp'] };
  }

  async authenticate(authorization: string | undefined): Promise<AuthOutcome> {
    const bearer = bearerToken(authorization);
    if (!('token' in bearer)) return bearer;
    let claims: JWTPayload;
    try {
      ({ payload: claims } = await jwtVerify(bearer.token, this.keys, this.checks));
    } catch (error) {
      const why = failure(error);
      if (why === KEYS_UNAVAILABLE) throw new AuthenticationUnavailable(why);
      return invalid(why);
    }
    const claim = this.options.labelClaim;
    // Own claims only: a label claim named `constructor` must not find Object's.
    const label = Object.hasOwn(claims, claim) ? claims[claim] : undefined;
    if (label === undefined) return invalid(`the token has no "${claim}" claim`);
    if (typeof label !== 'string' || !LABEL.test(label)) return invalid(`the token's "${claim}" claim is not a grant label`);
    return this.callerFor(label);
  }

  async named(label: string): Promise<AuthOutcome> {
    if (!LABEL.test(label)) return invalid(`${JSON.stringify(label)} is not a grant label`);
    return this.callerFor(label);
  }

  private async callerFor(label: string): Promise<AuthOutcome> {
    // Asked on every request, as for tokens: a revocation holds on every replica at once.
    const grant = await this.store.latestGrant(label);
    if (grant) {
      const status = grantStatus(grant, Date.now());
      return status === 'active' ? { kind: 'ok', caller: grant } : invalid(`grant "${label}" has ${status === 'revoked' ? 'been revoked' : 'expired'}`);
    }
    return { kind: 'ok', caller: { id: `jwt:${label}`, label, servers: ['*'], policy: null } };
  }
}

function invalid(description: string): AuthOutcome {
  return { kind: 'rejected', error: 'invalid_token', description };
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
