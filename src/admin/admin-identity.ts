import { ADMIN_LABEL, UNLABELLED_ADMIN, type GatewayConfig } from '../config/schema.js';
import { bearerToken } from '../grants/authenticator.js';
import type { JwtVerifier } from '../grants/jwt-verifier.js';
import { digestMatches, presentedAdminToken } from './admin-token.js';

/** An admin credential from the configuration: who it is, and the SHA-256 of its token. */
export interface AdminCredential {
  readonly label: string;
  readonly sha256: string;
}

/** Who an admin request comes from: the label decisions are recorded under and `approvals.groups` lists. */
export interface AdminIdentity {
  readonly label: string;
}

/** `admin.jwt`: the identity provider's tokens for the admin API, whose subject claim names the admin. */
export interface AdminJwt {
  readonly verifier: JwtVerifier;
  readonly subjectClaim: string;
  /** The agents' audience when agents sign in with the same issuer: a token that is for them too is not an admin's. */
  readonly agentAudience?: string;
}

export type AdminOutcome = { kind: 'ok'; admin: AdminIdentity } | { kind: 'rejected'; description: string; invalidToken: boolean };

/** Every admin credential the configuration sets: `token_sha256` as the unlabelled admin, then each of `tokens`. */
export function adminCredentials(admin: GatewayConfig['admin']): AdminCredential[] {
  if (!admin) return [];
  return [...(admin.token_sha256 === undefined ? [] : [{ label: UNLABELLED_ADMIN, sha256: admin.token_sha256 }]), ...admin.tokens];
}

const NO_CREDENTIAL = 'the admin API needs Authorization: Bearer <admin token>';
const NOT_ADMIN = 'not an admin token';
/** A compact JWS: three base64url parts. An admin token (`tga_…`) never has a dot. */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/**
 * Who an admin request is from: the holder of one of the configured admin tokens, or, with `admin.jwt`, the subject
 * of a token the identity provider signed for the admin API's own audience. Labels and subjects are one namespace:
 * `approvers: [alice]` admits the token labelled alice and the signed-in alice alike, and the two count as one person
 * under a quorum.
 */
export class AdminAuthenticator {
  constructor(
    private readonly credentials: readonly AdminCredential[],
    private readonly jwt?: AdminJwt,
  ) {}

  /** Whether any admin can sign in: the API is off otherwise. */
  get configured(): boolean {
    return this.credentials.length > 0 || this.jwt !== undefined;
  }

  /** Throws AuthenticationUnavailable when the identity provider's keys cannot be fetched. */
  async identify(authorization: string | undefined): Promise<AdminOutcome> {
    const admin = identifyAdmin(authorization, this.credentials);
    if (admin) return { kind: 'ok', admin };
    if (authorization === undefined || authorization === '') return { kind: 'rejected', description: NO_CREDENTIAL, invalidToken: false };
    const bearer = bearerToken(authorization);
    if (!this.jwt || !('token' in bearer) || !COMPACT_JWS.test(bearer.token)) return rejected(NOT_ADMIN);
    const verified = await this.jwt.verifier.verify(bearer.token);
    if (!verified.ok) return rejected(verified.why);
    const { claims } = verified;
    const { agentAudience, subjectClaim } = this.jwt;
    if (agentAudience !== undefined && [claims.get('aud')].flat().includes(agentAudience)) return rejected("the token is for the agents' audience too: an admin's token must be for the admin API alone");
    const subject = claims.get(subjectClaim);
    if (subject === undefined) return rejected(`the token has no "${subjectClaim}" claim`);
    if (typeof subject !== 'string' || !ADMIN_LABEL.test(subject)) return rejected(`the token's "${subjectClaim}" claim is not an approver name`);
    return { kind: 'ok', admin: { label: subject } };
  }
}

function rejected(description: string): AdminOutcome {
  return { kind: 'rejected', description, invalidToken: true };
}

/**
 * The admin whose token `Authorization: Bearer <token>` carries, or undefined. Every credential is compared, in
 * constant time, without stopping at a match: how long it takes does not say which one matched, or where it is.
 */
export function identifyAdmin(authorizationHeader: string | undefined, credentials: readonly AdminCredential[]): AdminIdentity | undefined {
  const presented = presentedAdminToken(authorizationHeader);
  if (!presented) return undefined;
  let found: AdminIdentity | undefined;
  for (const { label, sha256 } of credentials) if (digestMatches(presented, sha256) && !found) found = { label };
  return found;
}

/** The admin authenticator the configuration sets up; `admin.jwt` loads jose, so a gateway without it never does. */
export async function adminAuthenticatorFor(config: Pick<GatewayConfig, 'admin' | 'jwt'>): Promise<AdminAuthenticator> {
  const jwt = config.admin?.jwt;
  if (!jwt) return new AdminAuthenticator(adminCredentials(config.admin));
  const { JwtVerifier } = await import('../grants/jwt-verifier.js');
  const agents = config.jwt;
  return new AdminAuthenticator(adminCredentials(config.admin), {
    verifier: new JwtVerifier({ issuer: jwt.issuer, audience: jwt.audience, jwksUrl: jwt.jwks_url }),
    subjectClaim: jwt.subject_claim,
    ...(agents && agents.issuer === jwt.issuer && { agentAudience: agents.audience }),
  });
}
