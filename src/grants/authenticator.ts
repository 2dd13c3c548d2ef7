import type { Grant, GrantStore } from './grant-store.js';
import { grantStatus, Grants } from './grants.js';

/** Who is calling, as the gateway needs it on every request. */
export type Caller = Pick<Grant, 'id' | 'label' | 'servers' | 'policy'>;

/** The one user of a gateway without authentication (`auth: none`, loopback only). */
export const LOCAL_CALLER: Caller = { id: 'local', label: 'local', servers: ['*'], policy: null };

export function reaches(caller: Caller, server: string): boolean {
  return caller.servers.includes('*') || caller.servers.includes(server);
}

/** `error` is RFC 6750's code for the WWW-Authenticate header: none when no credential was sent at all. */
export type AuthOutcome = { kind: 'ok'; caller: Caller } | { kind: 'rejected'; error?: 'invalid_request' | 'invalid_token'; description: string };

/**
 * Thrown when a credential cannot be checked at all (the identity provider's keys cannot be fetched): the caller
 * answers 503, not 401, so a client keeps its credential and retries, and nothing passes unchecked.
 */
export class AuthenticationUnavailable extends Error {
  override name = 'AuthenticationUnavailable';
}

/** How a request proves which grant it is: `none`, grant tokens, or the operator's JWTs. A store that fails throws. */
export interface Authenticator {
  /** From the `Authorization` header's value (undefined when absent). */
  authenticate(authorization: string | undefined): Promise<AuthOutcome>;
  /** A grant named by a process that is trusted to name it (stdio, which has no header). */
  named(label: string): Promise<AuthOutcome>;
}

/** RFC 6750: "Bearer", then one b64token; anything else (another scheme, spaces inside) is not a bearer token. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

export function bearerToken(authorization: string | undefined): { token: string } | Extract<AuthOutcome, { kind: 'rejected' }> {
  if (authorization === undefined || authorization === '') return { kind: 'rejected', description: 'this gateway needs Authorization: Bearer <token>' };
  const match = BEARER.exec(authorization);
  if (!match) return { kind: 'rejected', error: 'invalid_request', description: 'expected Authorization: Bearer <token>' };
  return { token: match[1]! };
}

export const noAuthentication: Authenticator = {
  authenticate: async () => ({ kind: 'ok', caller: LOCAL_CALLER }),
  named: async () => ({ kind: 'ok', caller: LOCAL_CALLER }),
};

const REASONS = {
  malformed: 'not a Toolgate grant token',
  unknown: 'unknown token',
  expired: 'the grant or this token has expired',
  revoked: 'the grant has been revoked',
} as const;

/** `auth: grants`: tokens minted by `toolgate grant create`, checked against the store on every request. */
export class GrantTokens implements Authenticator {
  private readonly grants: Grants;

  constructor(private readonly store: GrantStore) {
    this.grants = new Grants(store);
  }

  async authenticate(authorization: string | undefined): Promise<AuthOutcome> {
    const bearer = bearerToken(authorization);
    if (!('token' in bearer)) return bearer;
    const outcome = await this.grants.authenticate(bearer.token, Date.now());
    return outcome.kind === 'ok' ? { kind: 'ok', caller: outcome.grant } : { kind: 'rejected', error: 'invalid_token', description: REASONS[outcome.reason] };
  }

  async named(label: string): Promise<AuthOutcome> {
    return activeGrant(this.store, label);
  }
}

/** The grant holding `label`, if it is in force now. */
export async function activeGrant(store: GrantStore, label: string): Promise<AuthOutcome> {
  const grant = await store.latestGrant(label);
  const status = grant ? grantStatus(grant, Date.now()) : 'revoked';
  if (status === 'revoked') return { kind: 'rejected', error: 'invalid_token', description: `no active grant is labelled "${label}"` };
  if (status === 'expired') return { kind: 'rejected', error: 'invalid_token', description: `grant "${label}" has expired` };
  return { kind: 'ok', caller: grant! };
}
