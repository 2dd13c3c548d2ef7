import { loadConfig } from '../config/load.js';
import { createGateway } from '../gateway/wiring.js';
import { StdioEndpoint } from '../gateway/stdio-endpoint.js';
import { createLogger } from '../log.js';
import { UsageError } from './errors.js';
import { missingPolicyHints } from './policy-hints.js';

export interface StdioOptions {
  config: string;
  server?: string;
  /** The grant to serve as; else TOOLGATE_GRANT. */
  grant?: string;
}

/**
 * `toolgate stdio`: the gateway as a stdio MCP server, for a client's `mcpServers` entry. There is no header to
 * carry a token, so the process names its grant (`--grant`): whoever can start it can read its configuration and
 * store anyway. Without one, and without `auth` in the configuration, it serves the one local user.
 */
export async function stdio(options: StdioOptions): Promise<void> {
  const loaded = loadConfig(options.config);
  const grant = options.grant ?? process.env.TOOLGATE_GRANT;
  const auth = loaded.auth ?? (grant === undefined ? 'none' : 'grants');
  if (auth !== 'none' && grant === undefined) throw new UsageError(`auth: ${auth} in ${options.config}: name the grant to serve as with --grant LABEL or TOOLGATE_GRANT`);
  const log = createLogger();
  log.info({ config: options.config }, `configuration: ${options.config}`);
  for (const [server, hint] of missingPolicyHints(loaded.servers, options.config)) if (options.server === undefined || server === options.server) log.warn({ server }, hint);
  const gateway = createGateway({ ...loaded, auth }, log);
  const route = gateway.route(options.server);
  if (!route) {
    throw new UsageError(`--server: "${options.server}" is not in ${options.config}; it has ${[...gateway.upstreams.keys()].join(', ')}`);
  }
  await gateway.open();
  try {
    const named = await gateway.named(grant ?? 'local');
    if (named.kind === 'rejected') throw new UsageError(`--grant: ${named.description}`);
    // The client's first requests are read while the upstreams start: they wait for them in the gateway.
    const served = new StdioEndpoint(gateway, route, named.caller).run();
    await gateway.connect();
    await served;
  } finally {
    await gateway.close();
  }
}
