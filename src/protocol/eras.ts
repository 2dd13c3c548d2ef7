import {
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  LOG_LEVEL_META_KEY,
  PROTOCOL_VERSION_META_KEY,
  SERVER_INFO_META_KEY,
  SUBSCRIPTION_ID_META_KEY,
  SUPPORTED_PROTOCOL_VERSIONS,
} from '@modelcontextprotocol/server';
import { ErrorCode, errorResponse, type JSONRPCErrorResponse, type RequestId } from './jsonrpc.js';

export { CLIENT_CAPABILITIES_META_KEY, CLIENT_INFO_META_KEY, LOG_LEVEL_META_KEY, PROTOCOL_VERSION_META_KEY, SERVER_INFO_META_KEY, SUBSCRIPTION_ID_META_KEY };

/**
 * Revisions that carry version and capabilities on every request (no `initialize`).
 * The SDK does not export this list publicly, so it is kept here.
 */
export const MODERN_VERSIONS: readonly string[] = ['2026-07-28'];

/** Revisions that open with the `initialize` handshake, newest first (from the SDK). */
export const LEGACY_VERSIONS: readonly string[] = SUPPORTED_PROTOCOL_VERSIONS;

export const LATEST_LEGACY_VERSION = LEGACY_VERSIONS[0]!;
export const LATEST_MODERN_VERSION = MODERN_VERSIONS[0]!;

export type Era = 'modern' | 'legacy';

/** 2025-03-26 is the only Streamable HTTP revision that allowed JSON-RPC batches. */
export function allowsBatches(version: string): boolean {
  return version === '2025-03-26';
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
