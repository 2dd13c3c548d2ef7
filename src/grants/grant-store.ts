/** What an agent is allowed: which servers it may reach, under which policy, until when. */
export interface Grant {
  readonly id: string;
  /** Unique among grants that are not revoked; a revoked grant's label may be given to a new one. */
  readonly label: string;
  /** Servers it may reach; `['*']` is every server. */
  readonly servers: readonly string[];
  /** A policy file path, as given; null when none was. */
  readonly policy: string | null;
  readonly expiresAt: number | null;
  readonly createdAt: number;
  readonly lastUsedAt: number | null;
  readonly revokedAt: number | null;
}

/** One token of a grant, as stored: never the token itself. */
export interface Credential {
  readonly keyId: string;
  readonly grantId: string;
  /** SHA-256 of the token's secret (token.ts). */
  readonly hash: Buffer;
  readonly createdAt: number;
  /** Null while current; set when a rotation or revocation retires it (after any grace period). */
  readonly expiresAt: number | null;
}

/**
 * Where grants live: in memory, in SQLite, or in PostgreSQL shared by every replica. Stores keep rows only; what
 * the rows mean (expiry, rotation, revocation) is decided once, in grants.ts. Nothing is cached, so a change made
 * through one store is seen by the next lookup through any other on the same database.
 */
export interface GrantStore {
  /** False, and nothing stored, when a grant that is not revoked already holds the label. */
  insertGrant(grant: Grant): Promise<boolean>;
  insertCredential(credential: Credential): Promise<void>;
  /** The credential with this key id, with the grant it belongs to. */
  findCredential(keyId: string): Promise<{ credential: Credential; grant: Grant } | undefined>;
  listGrants(): Promise<Grant[]>;
  /**
   * The grant that holds the label now (not revoked) if there is one, else its most recently created revoked
   * holder: so a revoked label is known as such (an SSO user whose grant was revoked stays out).
   */
  latestGrant(label: string): Promise<Grant | undefined>;
  markRevoked(grantId: string, at: number): Promise<void>;
  /** The grant's credentials (but `exceptKeyId`) stop working at `at`; one already expiring sooner keeps its time. */
  expireCredentials(grantId: string, at: number, exceptKeyId?: string): Promise<void>;
  /** Records a use at `at`, unless a later one is recorded (another replica may have written first). */
  touchGrant(grantId: string, at: number): Promise<void>;
  /** Resolves once the store answers a trivial request (for `/readyz`); rejects with why it cannot. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
