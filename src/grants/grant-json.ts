import type { Grant } from './grant-store.js';

/** A grant as scripts and the admin API read it: times as ISO strings (null when unset), never a token or hash. */
export function grantJson(grant: Grant) {
  return {
    id: grant.id,
    label: grant.label,
    servers: grant.servers,
    policy: grant.policy,
    expiresAt: iso(grant.expiresAt),
    createdAt: new Date(grant.createdAt).toISOString(),
    lastUsedAt: iso(grant.lastUsedAt),
    revokedAt: iso(grant.revokedAt),
  };
}

function iso(time: number | null): string | null {
  return time === null ? null : new Date(time).toISOString();
}
