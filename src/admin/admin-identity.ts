import { UNLABELLED_ADMIN, type GatewayConfig } from '../config/schema.js';
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

/** Every admin credential the configuration sets: `token_sha256` as the unlabelled admin, then each of `tokens`. */
export function adminCredentials(admin: GatewayConfig['admin']): AdminCredential[] {
  if (!admin) return [];
  return [...(admin.token_sha256 === undefined ? [] : [{ label: UNLABELLED_ADMIN, sha256: admin.token_sha256 }]), ...admin.tokens];
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
