import { ErrorCode, errorResponse, type JSONRPCErrorResponse, type RequestId } from './jsonrpc.js';

/*
 * The `_meta` keys of the 2026-07-28 revision and the legacy version list. The SDK exports the same values, but
 * importing its runtime for them costs about 25 MB of resident memory (measured), which a stdio-only gateway
 * otherwise never loads; the values are fixed by the specification.
 */
export const PROTOCOL_VERSION_META_KEY = 'io.modelcontextprotocol/protocolVersion';
export const CLIENT_CAPABILITIES_META_KEY = 'io.modelcontextprotocol/clientCapabilities';
export const CLIENT_INFO_META_KEY = 'io.modelcontextprotocol/clientInfo';
export const SERVER_INFO_META_KEY = 'io.modelcontextprotocol/serverInfo';
export const LOG_LEVEL_META_KEY = 'io.modelcontextprotocol/logLevel';
export const SUBSCRIPTION_ID_META_KEY = 'io.modelcontextprotocol/subscriptionId';

/** Revisions that carry version and capabilities on every request (no `initialize`). */
export const MODERN_VERSIONS: readonly string[] = ['2026-07-28'];

/** Revisions that open with the `initialize` handshake, newest first (the SDK's SUPPORTED_PROTOCOL_VERSIONS). */
export const LEGACY_VERSIONS: readonly string[] = ['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05', '2024-10-07'];

export const LATEST_LEGACY_VERSION = LEGACY_VERSIONS[0]!;
export const LATEST_MODERN_VERSION = MODERN_VERSIONS[0]!;

export type Era = 'modern' | 'legacy';

/** 2025-03-26 is the only Streamable HTTP revision that allowed JSON-RPC batches. */
export function allowsBatches(version: string): boolean {
  return version === '2025-03-26';
}

/** Whether a legacy revision's POST streams may be resumed after a dropped connection (2025-11-25 on, SEP-1699). */
export function resumesStreams(version: string): boolean {
  const index = LEGACY_VERSIONS.indexOf(version);
  return index !== -1 && index <= LEGACY_VERSIONS.indexOf('2025-11-25');
}

export function isModernVersion(version: unknown): version is string {
  return typeof version === 'string' && MODERN_VERSIONS.includes(version);
}

/** Methods of the legacy revisions that 2026-07-28 removed: a modern request for one is "method not found". */
export const REMOVED_IN_MODERN: ReadonlySet<string> = new Set([
  'initialize',
  'ping',
  'logging/setLevel',
  'resources/subscribe',
  'resources/unsubscribe',
  'notifications/roots/list_changed',
]);

/** The answer to a request for a revision the gateway does not speak, naming those it does. */
export function unsupportedVersion(id: RequestId, requested: unknown): JSONRPCErrorResponse {
  return errorResponse(id, ErrorCode.UnsupportedProtocolVersion, 'Unsupported protocol version', {
    supported: [...MODERN_VERSIONS, ...LEGACY_VERSIONS],
    requested,
  });
}
