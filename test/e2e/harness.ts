import { resolve } from 'node:path';
import { pino } from 'pino';
import { Client as ClientV2, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as StreamableHTTPClientTransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { configSchema, type GatewayConfig } from '../../src/config/schema.js';
import type { Gateway } from '../../src/gateway/gateway.js';
import { HttpServer } from '../../src/gateway/http-server.js';
import { createGateway, type GatewayOverrides } from '../../src/gateway/wiring.js';

/**
 * A TypeScript server run by node with tsx, by absolute paths: a configuration file's stdio servers run in its folder
 * (often a temporary one), where neither `tsx` nor a relative script would be found.
 */
export function typescriptServer(script: string, ...args: string[]): { command: string; args: string[] } {
  return { command: process.execPath, args: ['--import', import.meta.resolve('tsx'), resolve(script), ...args] };
}

export const EVERYTHING = { command: process.execPath, args: [resolve('node_modules/@modelcontextprotocol/server-everything/dist/index.js'), 'stdio'] };
export const FIXTURE = typescriptServer('test/fixtures/fixture-server.ts');
export const MEMORY = { command: process.execPath, args: [resolve('node_modules/@modelcontextprotocol/server-memory/dist/index.js')] };
/** The bundled demo's SmartLead server, from its source. */
export const DEMO = typescriptServer('src/demo/demo-server.ts');

export interface RunningGateway {
  gateway: Gateway;
  base: string;
  url(server?: string): URL;
  close(): Promise<void>;
}

/** A policy that allows everything: tests of the proxy itself give it to every server that names no other. */
export const ALLOW_ALL = { version: '1', default: 'allow' };

/**
 * Starts a gateway in this process on a free loopback port, with the given `servers` block; `overrides` puts test
 * parts in (a transport, a store, shorter session timers), as `serve` would take the configuration's.
 */
export async function startGateway(
  servers: Record<string, unknown>,
  extra: Record<string, unknown> = {},
  overrides: GatewayOverrides & { host?: string } = {},
): Promise<RunningGateway> {
  const withPolicies = Object.fromEntries(Object.entries(servers).map(([name, server]) => [name, { policy: ALLOW_ALL, ...(server as object) }]));
  // Counters in memory and no authentication unless a test says otherwise: tests leave no files behind, and
  // tests of the proxy itself need no tokens.
  const config: GatewayConfig = configSchema.parse({ servers: withPolicies, store: 'memory', auth: 'none', ...extra });
  const { host = '127.0.0.1', ...parts } = overrides;
  const gateway = createGateway(config, pino({ level: process.env.TOOLGATE_TEST_LOG ?? 'silent' }), parts);
  const endpoint = new HttpServer(gateway, { host, port: 0, allowedOrigins: config.allowed_origins, maxBodyBytes: config.max_body_bytes });
  const base = await endpoint.listen();
  await gateway.start();
  return {
    gateway,
    base,
    url: (server) => new URL(server === undefined ? `${base}/mcp` : `${base}/mcp/${server}`),
    close: async () => {
      await endpoint.close();
      await gateway.close();
    },
  };
}

export const CLIENT_CAPABILITIES = { sampling: {}, elicitation: { form: {}, url: {} }, roots: { listChanged: true } };

export type Era = 'legacy' | 'auto';

/** The SDK v2 client over Streamable HTTP; `auto` negotiates 2026-07-28 with the gateway. */
export async function httpClient(url: URL, mode: Era = 'legacy', capabilities: Record<string, unknown> = CLIENT_CAPABILITIES): Promise<ClientV2> {
  const client = new ClientV2({ name: 'toolgate-test', version: '1.0.0' }, { capabilities, versionNegotiation: { mode } });
  await client.connect(new StreamableHTTPClientTransport(url));
  return client;
}

/** The SDK v2 client over Streamable HTTP as an agent presenting a grant's token on every request. */
export async function grantClient(url: URL, token: string, mode: Era = 'legacy'): Promise<ClientV2> {
  const client = new ClientV2({ name: 'toolgate-test', version: '1.0.0' }, { capabilities: CLIENT_CAPABILITIES, versionNegotiation: { mode } });
  await client.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  return client;
}

/** The SDK v1 client, as a legacy client of another generation. */
export async function httpClientV1(url: URL): Promise<ClientV1> {
  const client = new ClientV1({ name: 'toolgate-test-v1', version: '1.0.0' }, { capabilities: CLIENT_CAPABILITIES });
  await client.connect(new StreamableHTTPClientTransportV1(url));
  return client;
}

/** The SDK v2 client straight to a stdio server, for the direct side of a comparison. */
export async function directClient(server: { command: string; args: string[] }, capabilities: Record<string, unknown> = CLIENT_CAPABILITIES): Promise<ClientV2> {
  const client = new ClientV2({ name: 'toolgate-test', version: '1.0.0' }, { capabilities });
  await client.connect(new StdioClientTransport({ ...server, stderr: 'ignore' }));
  return client;
}

/** Resolves when `predicate` holds, polling; rejects after `timeoutMs`. */
export async function until(predicate: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
