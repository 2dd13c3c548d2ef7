/** How much of a call's arguments the audit log keeps: the policy's per-tool `audit: { args }`. */
export type ArgumentsMode = 'keys' | 'full' | 'redacted';

export const REDACTED = '[REDACTED]';

/** Field names that hold secrets, compared lower-case with `-` and `_` removed, anywhere in the name. */
const SECRET_NAMES = ['password', 'passwd', 'passphrase', 'secret', 'token', 'apikey', 'authorization', 'cookie', 'privatekey', 'accesskey', 'credential'];

/** Values that are credentials whatever their field is called. */
const CREDENTIAL_VALUES = [
  /eyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*/, // JWT (the signature may be empty, for alg "none")
  /\bBearer\s+\S{8,}/i,
  /\bsk[-_][\w-]{16,}/, // OpenAI, Anthropic, Stripe (sk_live_…)
  /\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_\w{20,})/,
  /\bxox[abposr]-[\w-]{10,}/, // Slack
  /\bAKIA[0-9A-Z]{16}\b/, // AWS access key id
  /\btg[ka]_[A-Za-z0-9_]{8,}/, // Toolgate's own grant and admin tokens
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
  /\b[0-9a-fA-F]{32,}\b/,
];

/** Runs of base64 (or base64url) long enough to be a key; kept unless they are also varied enough to be random. */
const BASE64_RUN = /[A-Za-z0-9+/_=-]{32,}/g;

/** Bits per character above which a run reads as random: random base64 scores about 4.5 at 32 characters, paths and words well under 4. */
const RANDOM_BITS_PER_CHAR = 4;

/**
 * A call's arguments as the audit log keeps them. `keys` (the default) keeps the sorted top-level names and never a
 * value; `full` keeps everything; `redacted` keeps everything except secret-named fields and credential-looking
 * strings, at any depth.
 */
export function auditArguments(args: unknown, mode: ArgumentsMode): unknown {
  if (mode === 'full') return args;
  if (mode === 'redacted') return redact(args);
  return isRecord(args) ? Object.keys(args).sort() : undefined;
}

function redact(value: unknown): unknown {
  if (typeof value === 'string') return looksLikeCredential(value) ? REDACTED : value;
  if (Array.isArray(value)) return value.map(redact);
  if (!isRecord(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([key, field]) => [key, isSecretName(key) ? REDACTED : redact(field)]));
}

export function isSecretName(name: string): boolean {
  const folded = name.toLowerCase().replace(/[-_]/g, '');
  return SECRET_NAMES.some((secret) => folded.includes(secret));
}

export function looksLikeCredential(text: string): boolean {
  return CREDENTIAL_VALUES.some((pattern) => pattern.test(text)) || (text.match(BASE64_RUN) ?? []).some(isRandom);
}

function isRandom(run: string): boolean {
  const counts = new Map<string, number>();
  for (const char of run) counts.set(char, (counts.get(char) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) bits -= (count / run.length) * Math.log2(count / run.length);
  return bits >= RANDOM_BITS_PER_CHAR;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
