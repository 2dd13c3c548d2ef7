import { DatabaseError, type Pool } from 'pg';
import type { Credential, Grant, GrantStore } from './grant-store.js';
import { CREDENTIAL_WITH_GRANT, credentialFromRow, GRANT_COLUMNS, grantFromRow, grantValues, type CredentialRow, type GrantRow } from './grant-rows.js';
import type { SchemaHistory } from '../store/migrations.js';
import { openPostgres, pingPostgres } from '../store/postgres.js';

const ACTIVE_LABEL_INDEX = 'toolgate_grants_active_label';

/** The grants' tables through time (store/migrations.ts). */
function history(table: (name: string) => string): SchemaHistory {
  const grants = table('toolgate_grants');
  const credentials = table('toolgate_credentials');
  return {
    part: 'grants',
    migrations: [
      {
        version: 1,
        sql: `
          CREATE TABLE IF NOT EXISTS ${grants} (
            id TEXT PRIMARY KEY,
            label TEXT NOT NULL,
            servers TEXT NOT NULL,
            policy TEXT,
            expires_at BIGINT,
            created_at BIGINT NOT NULL,
            last_used_at BIGINT,
            revoked_at BIGINT
          );
          CREATE UNIQUE INDEX IF NOT EXISTS ${ACTIVE_LABEL_INDEX} ON ${grants} (label) WHERE revoked_at IS NULL;
          CREATE TABLE IF NOT EXISTS ${credentials} (
            key_id TEXT PRIMARY KEY,
            grant_id TEXT NOT NULL REFERENCES ${grants} (id),
            hash BYTEA NOT NULL,
            created_at BIGINT NOT NULL,
            expires_at BIGINT
          );
          CREATE INDEX IF NOT EXISTS toolgate_credentials_grant ON ${credentials} (grant_id);
        `,
      },
    ],
  };
}

export interface PostgresGrantStoreOptions {
  /** The schema holding the tables, created if missing; by default the connection's search path (usually `public`). */
  readonly schema?: string;
}

/** Grants in PostgreSQL, shared by every replica: a rotation or revocation holds on all of them from their next lookup. */
export class PostgresGrantStore implements GrantStore {
  private constructor(
    private readonly pool: Pool,
    private readonly grants: string,
    private readonly credentials: string,
  ) {}

  /** Connects to a `postgres://` URL and brings the tables up to date. */
  static async open(url: string, options: PostgresGrantStoreOptions = {}): Promise<PostgresGrantStore> {
    const { pool, table } = await openPostgres(url, options.schema, history);
    return new PostgresGrantStore(pool, table('toolgate_grants'), table('toolgate_credentials'));
  }

  async insertGrant(grant: Grant): Promise<boolean> {
    try {
      await this.pool.query(`INSERT INTO ${this.grants} (${GRANT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, grantValues(grant));
      return true;
    } catch (error) {
      // The partial unique index is what keeps two replicas from both taking a label.
      if (error instanceof DatabaseError && error.constraint === ACTIVE_LABEL_INDEX) return false;
      throw error;
    }
  }

  async insertCredential(credential: Credential): Promise<void> {
    await this.pool.query(`INSERT INTO ${this.credentials} (key_id, grant_id, hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`, [
      credential.keyId,
      credential.grantId,
      credential.hash,
      credential.createdAt,
      credential.expiresAt,
    ]);
  }

  async findCredential(keyId: string): Promise<{ credential: Credential; grant: Grant } | undefined> {
    const { rows } = await this.pool.query<CredentialRow>(
      `SELECT ${CREDENTIAL_WITH_GRANT} FROM ${this.credentials} c JOIN ${this.grants} g ON g.id = c.grant_id WHERE c.key_id = $1`,
      [keyId],
    );
    return rows[0] && credentialFromRow(rows[0]);
  }

  async listGrants(): Promise<Grant[]> {
    return (await this.pool.query<GrantRow>(`SELECT * FROM ${this.grants}`)).rows.map(grantFromRow);
  }

  async latestGrant(label: string): Promise<Grant | undefined> {
    const { rows } = await this.pool.query<GrantRow>(`SELECT * FROM ${this.grants} WHERE label = $1 ORDER BY revoked_at IS NULL DESC, created_at DESC LIMIT 1`, [label]);
    return rows[0] && grantFromRow(rows[0]);
  }

  async markRevoked(grantId: string, at: number): Promise<void> {
    await this.pool.query(`UPDATE ${this.grants} SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL`, [grantId, at]);
  }

  async expireCredentials(grantId: string, at: number, exceptKeyId?: string): Promise<void> {
    await this.pool.query(
      `UPDATE ${this.credentials} SET expires_at = $2 WHERE grant_id = $1 AND key_id IS DISTINCT FROM $3 AND (expires_at IS NULL OR expires_at > $2)`,
      [grantId, at, exceptKeyId ?? null],
    );
  }

  async touchGrant(grantId: string, at: number): Promise<void> {
    await this.pool.query(`UPDATE ${this.grants} SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2)`, [grantId, at]);
  }

  ping(): Promise<void> {
    return pingPostgres(this.pool);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
