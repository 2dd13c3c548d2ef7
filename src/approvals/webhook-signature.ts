import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The signature on an approval webhook, in Stripe's layout so receivers meet a pattern they know:
 * `toolgate-signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`. The timestamp is signed with the
 * body, and set anew on every attempt, so a receiver can refuse a captured request replayed later.
 */
export const SIGNATURE_HEADER = 'toolgate-signature';
/** The same on every attempt of one event: how a receiver drops a duplicate. */
export const EVENT_ID_HEADER = 'toolgate-event-id';

export type WebhookCheck = { ok: true; timestamp: number } | { ok: false; reason: 'malformed' | 'bad signature' | 'outside the tolerance' };

/** The header value for `body` sent at `now` (epoch milliseconds). */
export function signWebhook(secret: string | Buffer, body: string, now: number): string {
  const t = Math.floor(now / 1000);
  return `t=${t},v1=${mac(secret, t, body)}`;
}

/**
 * Whether `header` signs `body` (the raw bytes received, before any JSON parsing) with `secret`, at a time within
 * `toleranceSeconds` of `now` (epoch milliseconds). Any one of several `v1` entries may match, as in Stripe's, so
 * a sender can sign with an old and a new secret while they are rotated. Never throws on what a sender sends.
 */
export function verifyWebhook(secret: string | Buffer, header: unknown, body: string | Buffer, now: number, toleranceSeconds = 300): WebhookCheck {
  if (typeof header !== 'string') return { ok: false, reason: 'malformed' };
  const fields = header.split(',').map((field) => field.trim().split('='));
  const t = fields.find(([key]) => key === 't')?.[1];
  const signatures = fields.filter(([key, value]) => key === 'v1' && value !== undefined && /^[0-9a-f]{64}$/.test(value)).map(([, value]) => value!);
  if (t === undefined || !/^\d{1,12}$/.test(t) || signatures.length === 0) return { ok: false, reason: 'malformed' };
  const timestamp = Number(t);
  const expected = Buffer.from(mac(secret, timestamp, body));
  // Every entry is compared, in constant time each: which one matched, or how much of one, is not told by timing.
  const matched = signatures.map((signature) => timingSafeEqual(Buffer.from(signature), expected)).includes(true);
  if (!matched) return { ok: false, reason: 'bad signature' };
  if (Math.abs(now / 1000 - timestamp) > toleranceSeconds) return { ok: false, reason: 'outside the tolerance' };
  return { ok: true, timestamp };
}

function mac(secret: string | Buffer, t: number, body: string | Buffer): string {
  if (secret.length === 0) throw new Error('webhooks need a secret; none is configured');
  return createHmac('sha256', secret).update(`${t}.`).update(body).digest('hex');
}
