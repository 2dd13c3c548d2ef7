import type { ToolDefinition } from '../catalog/tool-definition.js';
import type { ServerConfig } from '../config/schema.js';
import { Inventory } from '../gateway/inventory.js';
import { UpstreamConnection } from '../upstream/connection.js';
import { transportFor } from '../upstream/transport-for.js';
import { UsageError } from './errors.js';

/** How long a server has to answer its handshake before it is reported down. */
const CONNECT_TIMEOUT_MS = 30_000;

export interface Listing {
  /** Each server's tools, every page, in the order the servers were named. */
  listed: Map<string, ToolDefinition[]>;
  /** Why each server that could not be listed failed. */
  failed: Map<string, string>;
}

/** The servers a command works on: `--server`'s one (which must be configured), or all of them. */
export function chosenServers(servers: Readonly<Record<string, ServerConfig>>, only: string | undefined, file: string): string[] {
  if (only === undefined) return Object.keys(servers);
  if (!Object.hasOwn(servers, only)) throw new UsageError(`no server "${only}" in ${file} (servers: ${Object.keys(servers).join(', ')})`);
  return [only];
}

/**
 * Connects to each named server in turn and lists its tools, for the commands that read them (`catalog`, `init`).
 * One at a time: a line of progress per server on a terminal, and no burst of spawned servers on a laptop. A server
 * that is down is reported in `failed`; the others are still listed.
 */
export async function listServers(servers: Readonly<Record<string, ServerConfig>>, names: readonly string[]): Promise<Listing> {
  const listed = new Map<string, ToolDefinition[]>();
  const failed = new Map<string, string>();
  const progress = process.stderr.isTTY ? (text: string) => process.stderr.write(`\r\x1b[K${text}`) : () => {};
  for (const [i, name] of names.entries()) {
    progress(`contacting ${name} (${i + 1}/${names.length})…`);
    try {
      listed.set(name, await listTools(name, servers[name]!));
    } catch (error) {
      failed.set(name, (error as Error).message);
    }
  }
  progress('');
  return { listed, failed };
}

async function listTools(name: string, server: ServerConfig): Promise<ToolDefinition[]> {
  const listener = { onNotification: () => {}, onServerRequest: async () => ({ error: { code: -32601, message: 'the catalogue answers no requests' } }) };
  const connection = new UpstreamConnection(name, server, { createTransport: () => transportFor(server), listener, startTimeoutMs: CONNECT_TIMEOUT_MS, readyTimeoutMs: CONNECT_TIMEOUT_MS, tryOnce: true });
  try {
    await connection.start();
    return (await new Inventory().list(connection, 'tools')) as unknown as ToolDefinition[];
  } finally {
    await connection.close();
  }
}
