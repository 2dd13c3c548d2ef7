import { isStdioServer } from '../config/schema.js';
import type { UpstreamConnection, UpstreamState } from '../upstream/connection.js';
import type { Inventory } from './inventory.js';

/** One upstream as `GET /admin/servers` reports it. */
export interface ServerStatus {
  readonly name: string;
  readonly transport: 'stdio' | 'streamable-http' | 'sse';
  readonly state: UpstreamState;
  readonly connected: boolean;
  /** The tools it lists; null while it is not connected, or when listing them failed. */
  readonly tools: number | null;
  readonly restarts: number;
}

/**
 * Every upstream, connected or not, in the configuration's order. Tool counts come from the lists agents are served
 * (the inventory), so a look at the console does not ask a server again while its list holds; a server that is not
 * connected is not waited for.
 */
export async function serverStatuses(upstreams: ReadonlyMap<string, UpstreamConnection>, inventory: Inventory): Promise<ServerStatus[]> {
  return Promise.all(
    [...upstreams.values()].map(async (upstream) => {
      const connected = upstream.currentState === 'ready';
      const tools = connected ? await inventory.cached(upstream, 'tools').then((items) => items.length, () => null) : null;
      return {
        name: upstream.name,
        transport: isStdioServer(upstream.config) ? 'stdio' : upstream.config.transport,
        state: upstream.currentState,
        connected,
        tools,
        restarts: upstream.restarts,
      };
    }),
  );
}
