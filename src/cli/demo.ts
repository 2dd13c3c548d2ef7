import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { GatewayConfig } from '../config/schema.js';
import { loadConfig } from '../config/load.js';
import { mintAdminToken } from '../admin/admin-token.js';
import { isLoopback } from '../http/loopback.js';
import { PACKAGE_ROOT } from '../package-info.js';
import { UsageError } from './errors.js';
import { describeUrls, listen, untilSignalled, urls, type Listening } from './serve.js';

export interface DemoOptions {
  port?: string;
  host?: string;
  json?: boolean;
  /** Agents must bring a grant; one is made, for the demo's lifetime. */
  grants?: boolean;
}

/*
 * The bundled demo, found beside this package wherever it is installed. Its configuration keeps everything in memory,
 * so running it from any folder writes nothing there, and its server's path is relative to that configuration.
 */
const DEMO_CONFIG = join(PACKAGE_ROOT, 'examples', 'demo', 'toolgate.yaml');

/** The one tool the demo's policy lets through, and one of the 115 it refuses. */
const DEMO_ALLOWED_TOOL = 'smartlead_create_client_api_key';
const DEMO_DENIED_TOOL = 'smartlead_delete_campaign';
/** The payments server's tool that waits for a person, and a call of it to approve. */
const DEMO_HELD_TOOL = 'payments_create_refund';
const DEMO_HELD_ARGS = '--tool-arg charge_id=ch_demo_2 --tool-arg amount=5000 --tool-arg reason=duplicate';

/**
 * Pinned: later Inspectors need Node 22. Its command line posts to a URL's `/mcp` whatever path the URL has (it
 * replaces one not ending in /mcp), so it is given the aggregated endpoint, where every server's tools are.
 */
const INSPECTOR = 'npx @modelcontextprotocol/inspector@0.15.0 --cli';

/** The grant `--grants` makes, for the demo's server only. */
const DEMO_GRANT = 'demo-agent';

/** The admin the demo signs its console in as, with a token minted afresh each run and kept only in its memory. */
const DEMO_ADMIN = 'demo-admin';

/** `toolgate demo`: the demo gateway, with what to try against it, until SIGINT or SIGTERM. */
export async function demo(options: DemoOptions): Promise<void> {
  // Off loopback agents need grants, and the demo's live in its own memory, where no other process can create one.
  if (options.host !== undefined && !isLoopback(options.host)) throw new UsageError(`--host: the demo serves this machine only (a loopback address), not ${options.host}; to serve others, write a toolgate.yaml with grants and run toolgate serve`);
  const admin = mintAdminToken();
  const policies = mkdtempSync(join(tmpdir(), 'toolgate-demo-'));
  try {
    const servers = withPolicyCopies(loadConfig(DEMO_CONFIG).servers, policies);
    const listening = await listen({ ...options, config: DEMO_CONFIG }, { servers, admin: { tokens: [{ label: DEMO_ADMIN, sha256: admin.sha256 }] }, ...(options.grants && { auth: 'grants' }) });
    await guide(listening, admin.token, options);
  } finally {
    rmSync(policies, { recursive: true, force: true });
  }
}

/**
 * The demo's servers with their policy files copied into `folder` for this run: a rule set on the console changes the
 * copy (and keeps its versions there), never the package's files, and the folder goes when the demo stops.
 */
function withPolicyCopies(servers: GatewayConfig['servers'], folder: string): GatewayConfig['servers'] {
  return Object.fromEntries(
    Object.entries(servers).map(([name, server]) => {
      if (typeof server.policy !== 'string') return [name, server];
      const copy = join(folder, basename(server.policy));
      copyFileSync(server.policy, copy);
      return [name, { ...server, policy: copy }];
    }),
  );
}

/** Prints what to try against the demo, then serves until SIGINT or SIGTERM. */
async function guide(listening: Listening, adminToken: string, options: DemoOptions): Promise<void> {
  const token = options.grants ? (await listening.grants!.create({ label: DEMO_GRANT, servers: ['smartlead', 'payments'] }, Date.now())).token : undefined;
  if (options.json) {
    process.stdout.write(JSON.stringify({ ...urls(listening), adminToken, allowed: DEMO_ALLOWED_TOOL, denied: DEMO_DENIED_TOOL, held: DEMO_HELD_TOOL, ...(token && { grant: DEMO_GRANT, token }) }) + '\n');
  } else {
    process.stdout.write(describeUrls(listening) + signIn(adminToken) + DEMO_SERVERS + (token ? withGrant(listening.servers.smartlead!, token) : withoutGrant(urls(listening).url)) + 'Ctrl-C stops it; it keeps nothing.\n');
  }
  await untilSignalled(listening);
}

/** The console's credential: without it the printed console URL would open on a sign-in nobody can pass. */
function signIn(adminToken: string): string {
  return `Open the console and sign in with this admin token (it lasts as long as the demo):\n  ${adminToken}\n`;
}

const DEMO_SERVERS =
  '\nTwo made-up servers, nothing sent anywhere: SmartLead (116 tools) behind a policy that allows one of them, and payments,\n' +
  `whose ${DEMO_HELD_TOOL} waits for a person's approval.\n`;

function withoutGrant(all: string): string {
  return (
    'Try, from another terminal:\n' +
    `  ${INSPECTOR} ${all} --method tools/list\n` +
    `      lists what the policies let through: ${DEMO_ALLOWED_TOOL} and the payments tools but the hidden one\n` +
    `  ${INSPECTOR} ${all} --method tools/call --tool-name ${DEMO_DENIED_TOOL} --tool-arg campaign_id=1\n` +
    '      is answered [POLICY DENIED]\n' +
    `  ${INSPECTOR} ${all} --method tools/call --tool-name ${DEMO_HELD_TOOL} ${DEMO_HELD_ARGS}\n` +
    "      is answered [APPROVAL PENDING]: approve it on the console's Approvals page, then run the same command again\n" +
    'With --grants, agents must bring a grant, as they must off loopback.\n'
  );
}

/** The Inspector's command line sends no headers, so the way to show a grant at work is one request with curl. */
function withGrant(smartlead: string, token: string): string {
  const meta = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {}, 'io.modelcontextprotocol/clientInfo': { name: 'curl', version: '1' } };
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: meta } });
  const curl = (auth: string) =>
    `  curl -s ${smartlead} ${auth}-H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' -H 'MCP-Protocol-Version: 2026-07-28' -H 'Mcp-Method: tools/list' -d '${body}'\n`;
  return (
    `Agents must bring a grant. One was made, ${DEMO_GRANT} (for both servers), kept in memory until the demo stops; its token:\n` +
    `  ${token}\n` +
    'A request without it is refused (401):\n' +
    curl('') +
    `and with it, it lists ${DEMO_ALLOWED_TOOL}:\n` +
    curl(`-H 'Authorization: Bearer ${token}' `) +
    `Grants of your own: write a toolgate.yaml with a store that lasts (the default SQLite file) and run toolgate grant create NAME --server smartlead.\n`
  );
}
