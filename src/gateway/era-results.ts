import { LEGACY_VERSIONS, MODERN_VERSIONS, SERVER_INFO_META_KEY, type Era } from '../protocol/eras.js';
import type { UpstreamConnection } from '../upstream/connection.js';
import type { Route } from './route.js';
import type { Session } from './session.js';
import { PACKAGE_VERSION } from '../package-info.js';

/*
 * What the gateway says about the servers behind an endpoint, and how a result is shaped for each era's client: the
 * one place where the two eras' answers differ.
 */

export const GATEWAY_INFO = { name: 'toolgate', version: PACKAGE_VERSION };

/** Methods whose result is cacheable under 2026-07-28 and so must say for how long and for whom. */
const CACHEABLE: ReadonlySet<string> = new Set(['server/discover', 'tools/list', 'prompts/list', 'resources/list', 'resources/templates/list', 'resources/read']);

export interface Description {
  capabilities: Record<string, unknown>;
  serverInfo: Record<string, unknown>;
  instructions?: string;
}

/**
 * The upstream's own identity on a single-server route, the gateway's on the aggregate, as told to a client of
 * `era`: a server reached in both eras may declare different capabilities on each side.
 */
export function describe(route: Route, era: Era): Description {
  if (!route.aggregated) {
    const info = route.upstreams[0]!.infoFor(era);
    return {
      capabilities: advertised(route.upstreams[0]!, era),
      serverInfo: serverInfo(route),
      ...(info?.instructions && { instructions: info.instructions }),
    };
  }
  // Keys come from the servers: with no prototype, one named `__proto__` is a key like any other.
  const capabilities: Record<string, Record<string, unknown>> = Object.create(null) as Record<string, Record<string, unknown>>;
  const instructions: string[] = [];
  for (const upstream of route.upstreams) {
    for (const [key, value] of Object.entries(advertised(upstream, era))) {
      capabilities[key] = { ...capabilities[key], ...(value as Record<string, unknown>) };
    }
    const text = upstream.infoFor(era)?.instructions;
    if (text) instructions.push(`## ${upstream.name}\n${text}`);
  }
  return { capabilities, serverInfo: serverInfo(route), ...(instructions.length > 0 && { instructions: instructions.join('\n\n') }) };
}

/** The answer to `server/discover` (2026-07-28). */
export function discoverResult(route: Route): Record<string, unknown> {
  const { serverInfo, ...description } = describe(route, 'modern');
  return { supportedVersions: [...MODERN_VERSIONS, ...LEGACY_VERSIONS], ...description, _meta: { [SERVER_INFO_META_KEY]: serverInfo } };
}

/** Shapes a result for the era of the client it goes to. */
export function shapeResult(method: string, result: Record<string, unknown>, session: Session): void {
  if (session.era === 'modern') finishModernResult(method, result, session);
  else withoutModernFields(result);
}

/**
 * 2026-07-28 requires `resultType` on every result and cache hints on lists. Lists are marked private: what a client
 * is shown depends on who it is once policies filter them.
 */
function finishModernResult(method: string, result: Record<string, unknown>, session: Session): void {
  result.resultType ??= 'complete';
  if (CACHEABLE.has(method)) {
    result.ttlMs ??= 0;
    result.cacheScope = 'private';
  }
  const meta = (result._meta ??= {}) as Record<string, unknown>;
  if (meta[SERVER_INFO_META_KEY] === undefined && method !== 'server/discover') meta[SERVER_INFO_META_KEY] = serverInfo(session.route);
}

/** 2026-07-28 result fields a legacy client does not expect, from a modern upstream. */
function withoutModernFields(result: Record<string, unknown>): void {
  if (result.resultType === undefined && result._meta === undefined) return;
  delete result.resultType;
  const meta = result._meta as Record<string, unknown> | undefined;
  if (meta && SERVER_INFO_META_KEY in meta) {
    delete meta[SERVER_INFO_META_KEY];
    if (Object.keys(meta).length === 0) delete result._meta;
  }
}

/** Who answers on a route: the upstream itself on a single-server route, the gateway on the aggregate. */
function serverInfo(route: Route): Record<string, unknown> {
  if (route.aggregated) return GATEWAY_INFO;
  return route.upstreams[0]!.info?.serverInfo ?? { name: route.server, version: 'unknown' };
}

/**
 * What the gateway advertises for an upstream. Task support is not forwarded: a task's later requests
 * (tasks/get, tasks/result) carry no tool name for the gateway to govern, so a client is not invited to start
 * them.
 */
function advertised(upstream: UpstreamConnection, era: Era): Record<string, unknown> {
  const { tasks: _tasks, ...capabilities } = upstream.infoFor(era)?.capabilities ?? {};
  return capabilities;
}
