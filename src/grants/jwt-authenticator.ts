import { bearerToken, type Authenticator, type AuthOutcome } from './authenticator.js';
import type { GrantStore } from './grant-store.js';
import { grantStatus, LABEL } from './grants.js';
import { JwtVerifier, type JwtIssuer } from './jwt-verifier.js';

export interface JwtOptions extends JwtIssuer {
  /** The claim whose value is the caller's grant label. */
  readonly labelClaim: string;
}

/**
 * `auth: jwt`: tokens from the operator's identity provider, so teams sign in with their SSO. The label claim names
 * the caller, so it must be one users cannot choose for themselves. A label holding an active grant gets that grant
 * (its servers and policy): the operator narrows or widens one person with `toolgate grant`. Any other signed-in user
 * reaches every server under the servers' own policies: being let in by the identity provider is their grant. A label
 * whose grants are all revoked is refused, so revoking a person's grant keeps them out though their SSO still works;
 * a new grant lets them back.
 */
export class JwtAuthenticator implements Authenticator {
  private readonly verifier: JwtVerifier;

  constructor(
    private readonly options: JwtOptions,
    private readonly store: GrantStore,
  ) {
    this.verifier = new JwtVerifier(options);
  }

  async authenticate(authorization: string | undefined): Promise<AuthOutcome> {
    const bearer = bearerToken(authorization);
    if (!('token' in bearer)) return bearer;
    const verified = await this.verifier.verify(bearer.token);
    if (!verified.ok) return invalid(verified.why);
    const claim = this.options.labelClaim;
    const label = verified.claims.get(claim);
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
