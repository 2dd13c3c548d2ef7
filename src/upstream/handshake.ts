import type { JSONRPCResponse, Params } from '../protocol/jsonrpc.js';
import {
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  LATEST_LEGACY_VERSION,
  LEGACY_VERSIONS,
  MODERN_VERSIONS,
  PROTOCOL_VERSION_META_KEY,
  SERVER_INFO_META_KEY,
  type Era,
} from '../protocol/eras.js';
import { PACKAGE_VERSION } from '../package-info.js';

/** What the gateway learned about an upstream when it connected. */
export interface UpstreamInfo {
  era: Era;
  protocolVersion: string;
  capabilities: Record<string, unknown>;
  serverInfo: Record<string, unknown>;
  instructions?: string;
}

/** One opened wire to the server, as the handshake sees it. */
export interface HandshakeWire {
  ask(method: string, params: Params, timeoutMs: number): Promise<JSONRPCResponse>;
  notify(method: string, params?: Params): void;
  /** The version the wire states in its headers (HTTP): the one being tried, then the one settled on. */
  setProtocolVersion(version: string | undefined): void;
}

export class WireTimeout extends Error {}
export class WireClosed extends Error {}

export const GATEWAY_CLIENT_INFO = { name: 'toolgate', version: PACKAGE_VERSION };

/**
 * The gateway declares every client capability upstream, so servers offer all their features; a request for
 * one the calling client lacks is answered with an error by the gateway, not hidden from the server.
 */
export const GATEWAY_CLIENT_CAPABILITIES = {
  roots: { listChanged: true },
  sampling: {},
  elicitation: { form: {}, url: {} },
};

export interface HandshakeOptions {
  protocol: 'auto' | 'legacy' | 'modern';
  /** The era found on an earlier connection to this server, if any: no need to probe again. */
  knownEra?: Era;
  /** On stdio, silence to the probe means a legacy server; over HTTP it means an outage. */
  silenceMeansLegacy: boolean;
  probeTimeoutMs?: number;
  initializeTimeoutMs?: number;
}

/**
 * Settles the era with an upstream as the 2026-07-28 versioning page describes: probe with `server/discover`;
 * a modern answer (or a modern error) means modern; anything else falls back to `initialize`.
 * `open` is called again when the probe cost the connection (a server that exits on an unknown request).
 */
export async function handshake(open: () => Promise<HandshakeWire>, options: HandshakeOptions): Promise<UpstreamInfo> {
  let wire = await open();
  const mayProbe = options.protocol !== 'legacy' && options.knownEra !== 'legacy';
  if (mayProbe) {
    let modern: UpstreamInfo | undefined;
    try {
      // Generous on purpose: the time counts from spawn, and a server that is merely slow to start (npx, a loaded
      // machine) must not be mistaken for a legacy one; legacy servers answer the unknown method at once.
      modern = await discover(wire, options.probeTimeoutMs ?? 10_000);
    } catch (error) {
      if (options.protocol === 'modern') throw error;
      if (error instanceof WireClosed) wire = await open();
      else if (error instanceof WireTimeout && !options.silenceMeansLegacy) throw error;
    }
    if (modern) return modern;
    if (options.protocol === 'modern') throw new Error('the server does not offer protocol revision 2026-07-28 (server/discover)');
  }
  return initialize(wire, options.initializeTimeoutMs ?? 60_000);
}

async function discover(wire: HandshakeWire, timeoutMs: number, version = MODERN_VERSIONS[0]!): Promise<UpstreamInfo | undefined> {
  wire.setProtocolVersion(version);
  const response = await wire.ask('server/discover', { _meta: envelope(version) }, timeoutMs);
  if ('error' in response) {
    const supported = (response.error.data as { supported?: unknown } | undefined)?.supported;
    const offered = Array.isArray(supported) ? MODERN_VERSIONS.find((v) => supported.includes(v)) : undefined;
    if (response.error.code === -32022 && offered && offered !== version) return discover(wire, timeoutMs, offered);
    return undefined;
  }
  const result = response.result as Record<string, unknown>;
  const supported = Array.isArray(result.supportedVersions) ? (result.supportedVersions as unknown[]) : [];
  const protocolVersion = MODERN_VERSIONS.find((v) => supported.includes(v));
  if (!protocolVersion) return undefined;
  wire.setProtocolVersion(protocolVersion);
  const meta = (result._meta ?? {}) as Record<string, unknown>;
  return {
    era: 'modern',
    protocolVersion,
    capabilities: (result.capabilities ?? {}) as Record<string, unknown>,
    serverInfo: (meta[SERVER_INFO_META_KEY] ?? result.serverInfo ?? {}) as Record<string, unknown>,
    ...(typeof result.instructions === 'string' && { instructions: result.instructions }),
  };
}

async function initialize(wire: HandshakeWire, timeoutMs: number): Promise<UpstreamInfo> {
  // initialize carries its version in the body; the header starts with the version it settles on.
  wire.setProtocolVersion(undefined);
  const response = await wire.ask(
    'initialize',
    { protocolVersion: LATEST_LEGACY_VERSION, capabilities: GATEWAY_CLIENT_CAPABILITIES, clientInfo: GATEWAY_CLIENT_INFO },
    timeoutMs,
  );
  if ('error' in response) throw new Error(`initialize was refused: ${response.error.message}`);
  const result = response.result as Record<string, unknown>;
  const protocolVersion = result.protocolVersion;
  if (typeof protocolVersion !== 'string' || !LEGACY_VERSIONS.includes(protocolVersion)) {
    throw new Error(`the server answered initialize with unsupported protocol version ${JSON.stringify(protocolVersion)}`);
  }
  wire.setProtocolVersion(protocolVersion);
  wire.notify('notifications/initialized');
  return {
    era: 'legacy',
    protocolVersion,
    capabilities: (result.capabilities ?? {}) as Record<string, unknown>,
    serverInfo: (result.serverInfo ?? {}) as Record<string, unknown>,
    ...(typeof result.instructions === 'string' && { instructions: result.instructions }),
  };
}

/** The per-request `_meta` a modern request carries. */
export function envelope(version: string, clientCapabilities: unknown = GATEWAY_CLIENT_CAPABILITIES, clientInfo: unknown = GATEWAY_CLIENT_INFO): Record<string, unknown> {
  return {
    [PROTOCOL_VERSION_META_KEY]: version,
    [CLIENT_CAPABILITIES_META_KEY]: clientCapabilities,
    [CLIENT_INFO_META_KEY]: clientInfo,
  };
}
