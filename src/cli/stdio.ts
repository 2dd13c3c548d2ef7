import { loadConfig } from '../config/load.js';
import { Gateway } from '../gateway/gateway.js';
import { StdioEndpoint } from '../gateway/stdio-endpoint.js';
import { createLogger } from '../log.js';
import { UsageError } from './errors.js';

/** `toolgate stdio`: the gateway as a stdio MCP server, for a client's `mcpServers` entry. */
export async function stdio(options: { config: string; server?: string }): Promise<void> {
  const config = loadConfig(options.config);
  const log = createLogger();
  const gateway = new Gateway(config, log);
  const route = gateway.route(options.server);
  if (!route) {
    throw new UsageError(`--server: "${options.server}" is not in ${options.config}; it has ${[...gateway.upstreams.keys()].join(', ')}`);
  }
  const endpoint = new StdioEndpoint(gateway, route);
  const served = endpoint.run();
  await gateway.start();
  await served;
  await gateway.close();
}
