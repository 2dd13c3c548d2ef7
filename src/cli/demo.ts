import { join } from 'node:path';
import { isLoopback } from '../http/loopback.js';
import { PACKAGE_ROOT } from '../package-info.js';
import { UsageError } from './errors.js';
import { describeUrls, listen, untilSignalled, urls } from './serve.js';

export interface DemoOptions {
  port?: string;
  host?: string;
  json?: boolean;
}

/*
 * The bundled demo, found beside this package wherever it is installed. Its configuration keeps everything in memory,
 * so running it from any folder writes nothing there, and its server's path is relative to that configuration.
 */
const DEMO_CONFIG = join(PACKAGE_ROOT, 'examples', 'demo', 'toolgate.yaml');

/** The one tool the demo's policy lets through, and one of the 115 it refuses. */
const DEMO_ALLOWED_TOOL = 'smartlead_create_client_api_key';
const DEMO_DENIED_TOOL = 'smartlead_delete_campaign';

/** Pinned: later Inspectors need Node 22; `--transport http` because it guesses SSE for a URL not ending in /mcp. */
const INSPECTOR = 'npx @modelcontextprotocol/inspector@0.15.0 --cli';

/** `toolgate demo`: the demo gateway, with what to try against it, until SIGINT or SIGTERM. */
export async function demo(options: DemoOptions): Promise<void> {
  // Off loopback agents need grants, and the demo's live in its own memory, where none can be created.
  if (options.host !== undefined && !isLoopback(options.host)) throw new UsageError(`--host: the demo serves this machine only (a loopback address), not ${options.host}; to serve others, write a toolgate.yaml with grants and run toolgate serve`);
  const listening = await listen({ ...options, config: DEMO_CONFIG });
  if (options.json) {
    process.stdout.write(JSON.stringify({ ...urls(listening), allowed: DEMO_ALLOWED_TOOL, denied: DEMO_DENIED_TOOL }) + '\n');
  } else {
    const smartlead = listening.servers.smartlead;
    process.stdout.write(
      describeUrls(listening) +
        '\nA made-up SmartLead server (116 tools, nothing sent anywhere) behind a policy that allows one of them.\n' +
        'Try, from another terminal:\n' +
        `  ${INSPECTOR} ${smartlead} --transport http --method tools/list\n` +
        `      lists ${DEMO_ALLOWED_TOOL} alone\n` +
        `  ${INSPECTOR} ${smartlead} --transport http --method tools/call --tool-name ${DEMO_DENIED_TOOL} --tool-arg campaign_id=1\n` +
        '      is answered [POLICY DENIED]\n' +
        'Ctrl-C stops it; it keeps nothing.\n',
    );
  }
  await untilSignalled(listening);
}
