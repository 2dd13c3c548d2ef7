import type { Credential, Grant, GrantStore } from './grant-store.js';

/** Grants in this process's memory: for tests and single-process trials; lost on restart, not shared. */
export class MemoryGrantStore implements GrantStore {
  private readonly grants = new Map<string, Grant>();
  private readonly credentials = new Map<string, Credential>();

  async insertGrant(grant: Grant): Promise<boolean> {
    if ((await this.latestGrant(grant.label))?.revokedAt === null) return false;
    this.grants.set(grant.id, grant);
    return true;
  }

  async insertCredential(credential: Credential): Promise<void> {
    this.credentials.set(credential.keyId, credential);
  }

  async findCredential(keyId: string): Promise<{ credential: Credential; grant: Grant } | undefined> {
    const credential = this.credentials.get(keyId);
    const grant = credential && this.grants.get(credential.grantId);
    return credential && grant ? { credential, grant } : undefined;
  }

  async listGrants(): Promise<Grant[]> {
    return [...this.grants.values()];
  }

  async latestGrant(label: string): Promise<Grant | undefined> {
    const holders = [...this.grants.values()].filter((grant) => grant.label === label);
    return holders.find((grant) => grant.revokedAt === null) ?? holders.sort((a, b) => b.createdAt - a.createdAt)[0];
  }

  async markRevoked(grantId: string, at: number): Promise<void> {
    this.update(grantId, (grant) => (grant.revokedAt === null ? { ...grant, revokedAt: at } : grant));
  }

  async expireCredentials(grantId: string, at: number, exceptKeyId?: string): Promise<void> {
    for (const credential of this.credentials.values()) {
      if (credential.grantId !== grantId || credential.keyId === exceptKeyId) continue;
      if (credential.expiresAt === null || credential.expiresAt > at) this.credentials.set(credential.keyId, { ...credential, expiresAt: at });
    }
  }

  async touchGrant(grantId: string, at: number): Promise<void> {
    this.update(grantId, (grant) => (grant.lastUsedAt === null || grant.lastUsedAt < at ? { ...grant, lastUsedAt: at } : grant));
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.grants.clear();
    this.credentials.clear();
  }

  /** Rows are replaced, never changed in place, so a grant already handed out does not change under its holder. */
  private update(grantId: string, change: (grant: Grant) => Grant): void {
    const grant = this.grants.get(grantId);
    if (grant) this.grants.set(grantId, change(grant));
  }
}
