import Database from 'better-sqlite3';
import type { SchemaHistory } from '../store/migrations.js';
import { closeSqlite, openSqlite, pingSqlite } from '../store/sqlite.js';
import type { Credential, Grant, GrantStore } from './grant-store.js';
import { CREDENTIAL_WITH_GRANT, credentialFromRow, GRANT_COLUMNS, grantFromRow, grantValues, type CredentialRow, type GrantRow } from './grant-rows.js';

/** The grants' tables through time (store/migrations.ts). */
const HISTORY: SchemaHistory = {
  part: 'grants',
  migrations: [
    {
      version: 1,
      sql: `
        CREATE TABLE IF NOT EXISTS toolgate_grants (
          id TEXT PRIMARY KEY,
          label TEXT NOT NULL,
          servers TEXT NOT NULL,
          policy TEXT,
          expires_at INTEGER,
          created_at INTEGER NOT NULL,
          last_used_at INTEGER,
          revoked_at INTEGER
        );
        CREATE UNIQUE INDEX IF NOT EXISTS toolgate_grants_active_label ON toolgate_grants (label) WHERE revoked_at IS NULL;
        CREATE TABLE IF NOT EXISTS toolgate_credentials (
          key_id TEXT PRIMARY KEY,
          grant_id TEXT NOT NULL REFERENCES toolgate_grants (id),
          hash BLOB NOT NULL,
          created_at INTEGER NOT NULL,
          expires_at INTEGER
        );
        CREATE INDEX IF NOT EXISTS toolgate_credentials_grant ON toolgate_credentials (grant_id);
      `,
    },
  ],
};

/** Statements prepared once: authentication runs one lookup per request. */
function prepare(db: Database.Database) {
  return {
    insertGrant: db.prepare<unknown[]>(`INSERT INTO toolgate_grants (${GRANT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
    insertCredential: db.prepare<[string, string, Buffer, number, number | null]>(
      'INSERT INTO toolgate_credentials (key_id, grant_id, hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?)',
    ),
    findCredential: db.prepare<[string], CredentialRow>(
      `SELECT ${CREDENTIAL_WITH_GRANT} FROM toolgate_credentials c JOIN toolgate_grants g ON g.id = c.grant_id WHERE c.key_id = ?`,
    ),
    listGrants: db.prepare<[], GrantRow>('SELECT * FROM toolgate_grants'),
    latestGrant: db.prepare<[string], GrantRow>('SELECT * FROM toolgate_grants WHERE label = ? ORDER BY revoked_at IS NULL DESC, created_at DESC, rowid DESC LIMIT 1'),
    markRevoked: db.prepare<[number, string]>('UPDATE toolgate_grants SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'),
    expireCredentials: db.prepare<[number, string, string | null, number]>(
      'UPDATE toolgate_credentials SET expires_at = ? WHERE grant_id = ? AND key_id IS NOT ? AND (expires_at IS NULL OR expires_at > ?)',
    ),
    touchGrant: db.prepare<[number, string, number]>('UPDATE toolgate_grants SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)'),
  };
}

/**
 * Grants in one SQLite file, the embedded default; usually the file that also holds `toolgate_counters`. Every
 * gateway process on the machine that opens the file sees a rotation or revocation at its next lookup.
 */
export class SqliteGrantStore implements GrantStore {
  private readonly db: Database.Database;
  private readonly sql: ReturnType<typeof prepare>;

  constructor(file: string) {
    this.db = openSqlite(file, HISTORY);
    this.sql = prepare(this.db);
  }

  async insertGrant(grant: Grant): Promise<boolean> {
    try {
      this.sql.insertGrant.run(...grantValues(grant));
      return true;
    } catch (error) {
      // The partial unique index is what keeps two processes from both taking a label.
      if (error instanceof Database.SqliteError && error.code === 'SQLITE_CONSTRAINT_UNIQUE') return false;
      throw error;
    }
  }

  async insertCredential(credential: Credential): Promise<void> {
    this.sql.insertCredential.run(credential.keyId, credential.grantId, credential.hash, credential.createdAt, credential.expiresAt);
  }

  async findCredential(keyId: string): Promise<{ credential: Credential; grant: Grant } | undefined> {
    const row = this.sql.findCredential.get(keyId);
    return row && credentialFromRow(row);
  }

  async listGrants(): Promise<Grant[]> {
    return this.sql.listGrants.all().map(grantFromRow);
  }

  async latestGrant(label: string): Promise<Grant | undefined> {
    const row = this.sql.latestGrant.get(label);
    return row && grantFromRow(row);
  }

  async markRevoked(grantId: string, at: number): Promise<void> {
    this.sql.markRevoked.run(at, grantId);
  }

  async expireCredentials(grantId: string, at: number, exceptKeyId?: string): Promise<void> {
    this.sql.expireCredentials.run(at, grantId, exceptKeyId ?? null, at);
  }

  async touchGrant(grantId: string, at: number): Promise<void> {
    this.sql.touchGrant.run(at, grantId, at);
  }

  async ping(): Promise<void> {
    pingSqlite(this.db);
  }

  async close(): Promise<void> {
    closeSqlite(this.db);
  }
}
