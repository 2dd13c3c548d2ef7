import type { Credential, Grant } from './grant-store.js';

/** An integer time column: PostgreSQL returns BIGINT as a string, SQLite as a number. */
type Time = number | string;

/** A grant as the SQL stores keep it: times as integer milliseconds, servers as JSON text (in PostgreSQL too, so one mapping serves both). */
export interface GrantRow {
  id: string;
  label: string;
  servers: string;
  policy: string | null;
  expires_at: Time | null;
  created_at: Time;
  last_used_at: Time | null;
  revoked_at: Time | null;
}

/** A credential joined with its grant, selected with CREDENTIAL_WITH_GRANT. */
export interface CredentialRow extends GrantRow {
  key_id: string;
  hash: Buffer;
  credential_created_at: Time;
  credential_expires_at: Time | null;
}

/** Both SQL stores' grant columns, in the order grantValues gives them. */
export const GRANT_COLUMNS = 'id, label, servers, policy, expires_at, created_at, last_used_at, revoked_at';

/** The select list for a credential `c` joined with its grant `g`. */
export const CREDENTIAL_WITH_GRANT = 'g.*, c.key_id, c.hash, c.created_at AS credential_created_at, c.expires_at AS credential_expires_at';

export function grantValues(grant: Grant): (string | number | null)[] {
  return [grant.id, grant.label, JSON.stringify(grant.servers), grant.policy, grant.expiresAt, grant.createdAt, grant.lastUsedAt, grant.revokedAt];
}

export function grantFromRow(row: GrantRow): Grant {
  return {
    id: row.id,
    label: row.label,
    servers: JSON.parse(row.servers) as string[],
    policy: row.policy,
    expiresAt: time(row.expires_at),
    createdAt: Number(row.created_at),
    lastUsedAt: time(row.last_used_at),
    revokedAt: time(row.revoked_at),
  };
}

export function credentialFromRow(row: CredentialRow): { credential: Credential; grant: Grant } {
  const credential = { keyId: row.key_id, grantId: row.id, hash: row.hash, createdAt: Number(row.credential_created_at), expiresAt: time(row.credential_expires_at) };
  return { credential, grant: grantFromRow(row) };
}

function time(value: Time | null): number | null {
  return value === null ? null : Number(value);
}
