import type { Grant, GrantStore } from './grant-store.js';
import { hashSecret, mintToken, parseToken, randomBase62, safeEqual } from './token.js';

/** What a grant label may be: it appears in counter keys, logs and URLs. */
export const LABEL = /^[A-Za-z0-9._-]{1,64}$/;
/** lastUsedAt is written at most this often per grant per process, so authenticating is not a write per request. */
const TOUCH_EVERY_MS = 60_000;

/** A grant operation that cannot be done as asked (CLI: exit code 1 with the message). */
export class GrantError extends Error {
  override name = 'GrantError';

  constructor(
    message: string,
    readonly label: string,
    /** What went wrong, for callers that answer differently (an HTTP API: 400, 409, 404). */
    readonly reason: 'invalid' | 'taken' | 'unknown',
  ) {
    super(message);
  }
}

export interface NewGrant {
  readonly label: string;
  readonly servers: readonly string[];
  readonly policy?: string;
  readonly expiresAt?: number | null;
}

/** A grant with its token: the only time the token is seen. */
export interface Issued {
  readonly grant: Grant;
  readonly token: string;
}

export type Authentication =
  | { readonly kind: 'ok'; readonly grant: Grant }
  | { readonly kind: 'rejected'; readonly reason: 'malformed' | 'unknown' | 'expired' | 'revoked' };

/** Agent credentials over any GrantStore: what creating, rotating, revoking and expiring mean is decided here only. */
export class Grants {
  /** When this process last wrote each grant's lastUsedAt. */
  private readonly touched = new Map<string, number>();

  constructor(private readonly store: GrantStore) {}

  async create(request: NewGrant, now: number): Promise<Issued> {
    const { label, servers } = request;
    checkLabel(label);
    if (servers.length === 0 || servers.some((server) => server === '')) {
      throw new GrantError(`grant "${label}" must name the servers it may reach ("*" for every server)`, label, 'invalid');
    }
    const expiresAt = request.expiresAt ?? null;
    if (expiresAt !== null && !(Number.isSafeInteger(expiresAt) && expiresAt > now)) {
      throw new GrantError(`grant "${label}" cannot expire at ${expiresAt}: that is not a time after its creation`, label, 'invalid');
    }
    const grant: Grant = { id: `gr_${randomBase62(16)}`, label, servers: [...servers], policy: request.policy ?? null, expiresAt, createdAt: now, lastUsedAt: null, revokedAt: null };
    if (!(await this.store.insertGrant(grant))) throw new GrantError(`a grant labelled "${label}" already exists; revoke it or choose another label`, label, 'taken');
    return { grant, token: (await this.issue(grant, now)).token };
  }

  /** A new token; the grant's other tokens stop working after `graceMs` (at once by default). */
  async rotate(label: string, { graceMs = 0 }: { graceMs?: number }, now: number): Promise<Issued> {
    if (!Number.isSafeInteger(graceMs) || graceMs < 0) throw new GrantError(`the grace period for "${label}" must be a whole number of milliseconds, not negative`, label, 'invalid');
    const grant = await this.active(label);
    const { token, keyId } = await this.issue(grant, now);
    // The new credential is stored before the old ones are retired, so a failure in between leaves the grant usable.
    await this.store.expireCredentials(grant.id, now + graceMs, keyId);
    return { grant, token };
  }

  async revoke(label: string, now: number): Promise<Grant> {
    const grant = await this.active(label);
    // Marking the grant is what rejects its tokens; retiring them as well means no check can be missed.
    await this.store.markRevoked(grant.id, now);
    await this.store.expireCredentials(grant.id, now);
    return { ...grant, revokedAt: now };
  }

  /** Every grant, revoked ones included, by label and then by creation. */
  async list(): Promise<Grant[]> {
    const grants = await this.store.listGrants();
    return grants.sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : a.createdAt - b.createdAt));
  }

  /** Asks the store every time (no cache), so a rotation or revocation holds on every replica from the next call. */
  async authenticate(token: string, now: number): Promise<Authentication> {
    const parts = parseToken(token);
    if (!parts) return { kind: 'rejected', reason: 'malformed' };
    const found = await this.store.findCredential(parts.keyId);
    if (!found || !safeEqual(hashSecret(parts.secret), found.credential.hash)) return { kind: 'rejected', reason: 'unknown' };
    const { credential, grant } = found;
    const status = grantStatus(grant, now);
    if (status !== 'active') return { kind: 'rejected', reason: status };
    // A rotated-out token outlives its grace period no more than an expired grant does.
    if (isPast(credential.expiresAt, now)) return { kind: 'rejected', reason: 'expired' };
    if (now - (this.touched.get(grant.id) ?? -Infinity) < TOUCH_EVERY_MS) return { kind: 'ok', grant };
    this.touched.set(grant.id, now);
    await this.store.touchGrant(grant.id, now);
    return { kind: 'ok', grant: { ...grant, lastUsedAt: Math.max(now, grant.lastUsedAt ?? now) } };
  }

  private async issue(grant: Grant, now: number): Promise<{ token: string; keyId: string }> {
    const { token, keyId, secret } = mintToken();
    await this.store.insertCredential({ keyId, grantId: grant.id, hash: hashSecret(secret), createdAt: now, expiresAt: null });
    return { token, keyId };
  }

  private async active(label: string): Promise<Grant> {
    const grant = await this.store.latestGrant(label);
    if (!grant || grant.revokedAt !== null) throw new GrantError(`no active grant is labelled "${label}"`, label, 'unknown');
    return grant;
  }
}

function checkLabel(label: string): void {
  if (!LABEL.test(label)) {
    throw new GrantError(`${JSON.stringify(label)} is not a grant label: use 1 to 64 letters, digits, ".", "_" or "-"`, label, 'invalid');
  }
}

/** Whether a grant is in force: the one rule every authenticator and listing applies. */
export function grantStatus(grant: Pick<Grant, 'revokedAt' | 'expiresAt'>, now: number): 'active' | 'revoked' | 'expired' {
  if (grant.revokedAt !== null) return 'revoked';
  return isPast(grant.expiresAt, now) ? 'expired' : 'active';
}

function isPast(time: number | null, now: number): boolean {
  return time !== null && time <= now;
}
