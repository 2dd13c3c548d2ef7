/**
 * How 2026-07-28 Streamable HTTP mirrors body fields into headers (SEP-2243): which field `Mcp-Name` carries, and
 * the `=?base64?…?=` sentinel for values a plain header cannot hold. Used when checking a client's headers and
 * when writing the gateway's own to a 2026-07-28 upstream.
 */

/** Methods whose `Mcp-Name` header mirrors `params.name` or `params.uri`. */
export const MCP_NAME_FIELD: ReadonlyMap<string, 'name' | 'uri'> = new Map([
  ['tools/call', 'name'],
  ['prompts/get', 'name'],
  ['resources/read', 'uri'],
]);

/** The sentinel around canonical, padded Base64 (an unpadded value is malformed, per SEP-2243's cases). */
const SENTINEL = /^=\?base64\?((?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?)\?=$/;
/** Visible ASCII, space and tab: what a plain header value may hold. */
const PLAIN = /^[\x20-\x7E\t]*$/;

/** Decodes a header value that may use the `=?base64?…?=` sentinel; undefined when it is malformed. */
export function decodeHeaderValue(value: string): string | undefined {
  if (value.startsWith('=?base64?') && value.endsWith('?=')) {
    // Clients must encode a plain value that looks like the sentinel, so one that does not decode is malformed.
    const encoded = SENTINEL.exec(value);
    return encoded ? Buffer.from(encoded[1]!, 'base64').toString('utf8') : undefined;
  }
  return PLAIN.test(value) ? value : undefined;
}

/**
 * A value as a header may carry it: plain when it is visible ASCII without surrounding whitespace (which HTTP
 * would strip) and does not look like the sentinel, else in the sentinel.
 */
export function encodeHeaderValue(value: string): string {
  const plain = PLAIN.test(value) && value.trim() === value && !(value.startsWith('=?base64?') && value.endsWith('?='));
  return plain ? value : `=?base64?${Buffer.from(value, 'utf8').toString('base64')}?=`;
}

/** The argument at `path`, reading own properties only (a schema naming `__proto__` must not read a prototype). */
export function argumentAt(args: unknown, path: readonly string[]): unknown {
  let value = args;
  for (const key of path) value = typeof value === 'object' && value !== null && Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined;
  return value;
}
