import { constants } from 'node:os';
import type { Logger } from 'pino';
import { loadConfig } from '../config/load.js';
import type { GatewayConfig } from '../config/schema.js';
import { HttpServer } from '../gateway/http-server.js';
import { shutDown, type ShutdownOutcome } from '../gateway/shutdown.js';
import { createGateway } from '../gateway/wiring.js';
import type { Grants } from '../grants/grants.js';
import { isLoopback } from '../http/loopback.js';
import { createLogger } from '../log.js';
import { UsageError } from './errors.js';
import { listenError } from './listen-error.js';
import { toMilliseconds } from '../policy/duration.js';
import { missingPolicyHints } from './policy-hints.js';

/** `serve` ended its shutdown by cancelling calls that outlasted `shutdown.grace` (their clients got an error). */
export const EXIT_GRACE_RAN_OUT = 4;

export interface ServeOptions {
  config: string;
  port?: string;
  host?: string;
  json?: boolean;
}

/**
 * A gateway answering on HTTP: its base URL, the URL of each server, the web console's (when it is on), its grants
 * (when it keeps any), and how to stop it.
 */
export interface Listening {
  readonly base: string;
  readonly servers: Readonly<Record<string, string>>;
  readonly console?: string;
  readonly grants?: Grants;
  readonly log: Logger;
  /** Stops at once: nothing in flight is waited for. */
  close(): Promise<void>;
  /** Stops gracefully, within the configuration's `shutdown.grace` (gateway/shutdown.ts). */
  shutDown(): Promise<ShutdownOutcome>;
}

/** `toolgate serve`: the Streamable HTTP gateway, until SIGINT or SIGTERM. */
export async function serve(options: ServeOptions): Promise<void> {
  const listening = await listen(options);
  process.stdout.write(options.json ? JSON.stringify(urls(listening)) + '\n' : describeUrls(listening));
  await untilSignalled(listening);
}

/** Loads the configuration and serves it over HTTP: `serve` and `demo` alike. */
export async function listen(options: ServeOptions, overrides: Partial<Pick<GatewayConfig, 'auth' | 'admin' | 'servers'>> = {}): Promise<Listening> {
  const config = { ...loadConfig(options.config), ...overrides };
  const [configHost, configPort] = splitListen(config.listen);
  const host = options.host ?? configHost;
  const port = options.port === undefined ? configPort : Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port: "${options.port}" is not a port number`);
  const loopback = isLoopback(host);
  // Off this machine every agent must prove its grant; `auth: none` is for one local user.
  const auth = config.auth ?? (loopback ? 'none' : 'grants');
  if (auth === 'none' && !loopback) throw new UsageError(`auth: none serves one local user, so it needs a loopback address, not ${host}; use auth: grants (or jwt) to listen on ${host}`);
  const log = createLogger();
  log.info({ config: options.config }, `configuration: ${options.config}`);
  // In the log, not beside it: stderr stays one JSON object a line for whoever collects it.
  for (const [server, hint] of missingPolicyHints(config.servers, options.config)) log.warn({ server }, hint);
  const gateway = createGateway({ ...config, auth }, log);
  const endpoint = new HttpServer(gateway, { host, port, allowedOrigins: config.allowed_origins, maxBodyBytes: config.max_body_bytes });
  const base = await endpoint.listen().catch((error: unknown) => {
    throw listenError(error, host, port);
  });
  await gateway.start();
  const servers = Object.fromEntries([...gateway.upstreams.keys()].map((name) => [name, `${base}/mcp/${encodeURIComponent(name)}`]));
  return {
    base,
    servers,
    // An admin block always holds a credential (the schema says so), and the console signs in with it.
    ...(config.console.enabled && config.admin && { console: `${base}/console` }),
    grants: gateway.grants,
    log,
    shutDown: () => shutDown(endpoint, gateway, toMilliseconds(config.shutdown.grace), log),
    async close() {
      await endpoint.close();
      await gateway.close();
    },
  };
}

/** The URLs, for a program: `url` is the aggregated endpoint, `servers` each server's own. */
export function urls({ base, servers, console }: Listening): { url: string; servers: Readonly<Record<string, string>>; console?: string } {
  return { url: `${base}/mcp`, servers, ...(console && { console }) };
}

/** The URLs, for a person: the listener, the aggregated endpoint, one line per server, then the console. */
export function describeUrls({ base, servers, console }: Listening): string {
  const lines = [`toolgate listening on ${base}`, `  all servers: ${base}/mcp`, ...Object.entries(servers).map(([name, url]) => `  ${name}: ${url}`)];
  return [...lines, ...(console ? [`  console: ${console}`] : [])].join('\n') + '\n';
}

/**
 * Serves until SIGINT or SIGTERM, then shuts down gracefully. The exit code says how it went: 0 when every call
 * finished, EXIT_GRACE_RAN_OUT when some were cancelled, 1 (main.ts) when closing failed; a second signal exits at
 * once with 128 + its number (130 for SIGINT, 143 for SIGTERM), as a shell reports a process a signal ended.
 */
export async function untilSignalled(listening: Listening): Promise<void> {
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  listening.log.info({ signal }, `${signal}: shutting down (send it again to stop at once)`);
  const now = (second: NodeJS.Signals) => {
    listening.log.warn({ signal: second }, `${second} again: stopping now, without waiting for calls in flight`);
    listening.log.flush();
    process.exit(128 + constants.signals[second]);
  };
  process.once('SIGINT', now);
  process.once('SIGTERM', now);
  const { cancelled } = await listening.shutDown();
  if (cancelled > 0) process.exitCode = EXIT_GRACE_RAN_OUT;
}

export function splitListen(listen: string): [string, number] {
  const colon = listen.lastIndexOf(':');
  return [listen.slice(0, colon).replace(/^\[(.*)\]$/, '$1'), Number(listen.slice(colon + 1))];
}
