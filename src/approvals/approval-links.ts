import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed approve and deny links, for a webhook's message to carry: `<base>/approvals/<id>/<verdict>?token=…`.
 *
 * A token proves that Toolgate offered this verdict on this request until this time, and nothing more. It is not
 * spent when used: "one-time" is the request's own state, since a decided request cannot be decided again
 * (`decide` in approval.ts), so a second click, or a replay of the link, finds the request no longer pending.
 * The token is bound to its verdict: an approve link's token does not verify as a deny.
 */
export type LinkVerdict = 'approve' | 'deny';

export interface LinkClaims {
  readonly id: string;
  readonly verdict: LinkVerdict;
  /** Epoch milliseconds; the token verifies until then (normally the request's own expiry). */
  readonly expiresAt: number;
}

export type LinkCheck = { ok: true; id: string; verdict: LinkVerdict } | { ok: false; reason: 'malformed' | 'bad signature' | 'expired' | 'another link' };

/** The version names the statement's layout, so a later layout cannot be read as this one. */
const VERSION = 'v1';
/** Domain separation: a MAC made with this secret for anything else never verifies as a link. */
const DOMAIN = 'toolgate approval link';
/** Ids as minted (`ap_` and base62) are far inside this; it keeps the token URL-safe and `.`-separable. */
const ID = '[A-Za-z0-9_-]{1,64}';
/**
 * `v1.<id>.<verdict>.<expiresAt>.<signature>`: every part URL-safe, the signature 32 bytes as base64url. The expiry
 * has no leading zeros, so a token has one spelling.
 */
const TOKEN = new RegExp(`^${VERSION}\\.(${ID})\\.(approve|deny)\\.(0|[1-9]\\d{0,15})\\.([A-Za-z0-9_-]{43})$`);

/** The token for these claims. */
export function linkToken(secret: string | Buffer, claims: LinkClaims): string {
  if (!new RegExp(`^${ID}$`).test(claims.id)) throw new Error(`approval id ${JSON.stringify(claims.id)} cannot be put in a link: expected letters, digits, _ or -`);
  if (!Number.isSafeInteger(claims.expiresAt) || claims.expiresAt < 0) throw new Error(`a link cannot expire at ${claims.expiresAt}: expected epoch milliseconds`);
  return `${VERSION}.${claims.id}.${claims.verdict}.${claims.expiresAt}.${signature(secret, claims)}`;
}

/** The link a person follows to give `verdict` on request `id`. */
export function approvalLink(base: string, secret: string | Buffer, claims: LinkClaims): string {
  const root = base.replace(/\/+$/, '');
  return `${root}/approvals/${claims.id}/${claims.verdict}?token=${linkToken(secret, claims)}`;
}

/**
 * What a token allows, or why it allows nothing. Never throws on what a visitor sends. Give `path`, the id and
 * verdict the link's path names, and a token for another request or the other verdict is refused too.
 */
export function verifyLink(secret: string | Buffer, token: unknown, now: number, path?: { id: string; verdict: string }): LinkCheck {
  const match = typeof token === 'string' ? TOKEN.exec(token) : null;
  if (!match) return { ok: false, reason: 'malformed' };
  const [, id, verdict, expiry, given] = match as unknown as [string, string, LinkVerdict, string, string];
  const claims = { id, verdict, expiresAt: Number(expiry) };
  // Compared as the base64url text: one token has one spelling, and the comparison takes the same time however much matches.
  if (!timingSafeEqual(Buffer.from(given), Buffer.from(signature(secret, claims)))) return { ok: false, reason: 'bad signature' };
  if (now >= claims.expiresAt) return { ok: false, reason: 'expired' };
  if (path && (path.id !== id || path.verdict !== verdict)) return { ok: false, reason: 'another link' };
  return { ok: true, id, verdict };
}

/** HMAC-SHA256 over a statement that names its purpose and version, one field a line (no field holds a newline). */
function signature(secret: string | Buffer, claims: LinkClaims): string {
  if (secret.length === 0) throw new Error('approval links need a secret; none is configured');
  const statement = [DOMAIN, VERSION, claims.id, claims.verdict, String(claims.expiresAt)].join('\n');
  return createHmac('sha256', secret).update(statement).digest('base64url');
}
