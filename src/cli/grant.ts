import { resolve } from 'node:path';
import { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import type { Grant } from '../grants/grant-store.js';
import { grantJson } from '../grants/grant-json.js';
import { grantStatus, Grants } from '../grants/grants.js';
import { openGrantStore } from '../grants/open-grant-store.js';
import { loadPolicy } from '../policy/policy-file.js';
import { durationOption } from './duration-option.js';
import { UsageError } from './errors.js';
import { CONFIG_HELP } from './config-file.js';

interface Common {
  config: string;
  json?: boolean;
}

/** `toolgate grant create|list|rotate|revoke`: agent credentials, in the configuration's grant store. */
export function grantCommand(): Command {
  const grant = new Command('grant').description('agent credentials: one grant (bearer token) per agent');
  const common = (command: Command) => command.option('-c, --config <file>', CONFIG_HELP).option('--json', 'print the result as JSON');

  common(grant.command('create <label>'))
    .description('create a grant and print its token (shown this once)')
    .option('-s, --server <name>', 'a server it may reach (repeat for several)', collect, [])
    .option('--all-servers', 'let it reach every server, those added later included')
    .option('--policy <file>', 'a policy of its own, in place of each server’s')
    .option('--expires <duration>', 'stop working after this long (30d, 12h, 15m)')
    .action((label: string, options: Common & { server: string[]; allServers?: boolean; policy?: string; expires?: string }) =>
      withGrants(options, async (grants, known) => {
        // Least privilege: reaching every server is said, never what a forgotten --server gives.
        if (options.allServers && options.server.length > 0) throw new UsageError('--server and --all-servers: give one or the other');
        if (!options.allServers && options.server.length === 0) {
          throw new UsageError(`grant "${label}" reaches no server: add --server NAME for each it may reach (${options.config} has ${known.join(', ')}), or --all-servers`);
        }
        for (const server of options.server) if (!known.includes(server)) throw new UsageError(`--server: "${server}" is not in ${options.config}; it has ${known.join(', ')}`);
        const policy = options.policy === undefined ? undefined : resolve(options.policy);
        // A policy that does not load would deny the grant everything: better said now than at its first call.
        if (policy !== undefined) loadPolicy(policy, policy);
        const now = Date.now();
        const expiresAt = options.expires === undefined ? null : now + durationOption('--expires', options.expires);
        const issued = await grants.create({ label, servers: options.allServers ? ['*'] : options.server, policy, expiresAt }, now);
        print(options, { grant: view(issued.grant, now), token: issued.token }, `${issued.token}\n`);
        if (!options.json) process.stderr.write(`grant "${label}" created; the token above is shown only this once: give it to the agent as Authorization: Bearer <token>\n`);
      }),
    );

  common(grant.command('list'))
    .description('list grants, revoked ones included')
    .action((options: Common) =>
      withGrants(options, async (grants) => {
        const now = Date.now();
        const all = (await grants.list()).map((g) => view(g, now));
        print(options, all, all.length === 0 ? 'no grants\n' : table(all));
      }),
    );

  common(grant.command('rotate <label>'))
    .description('give a grant a new token; the old one stops working (after --grace, if given)')
    .option('--grace <duration>', 'how long the old token keeps working (10m, 1h)')
    .action((label: string, options: Common & { grace?: string }) =>
      withGrants(options, async (grants) => {
        const now = Date.now();
        const issued = await grants.rotate(label, { graceMs: options.grace === undefined ? 0 : durationOption('--grace', options.grace) }, now);
        print(options, { grant: view(issued.grant, now), token: issued.token }, `${issued.token}\n`);
      }),
    );

  common(grant.command('revoke <label>'))
    .description('stop a grant: its tokens are refused from the next request, on every replica')
    .action((label: string, options: Common) =>
      withGrants(options, async (grants) => {
        const revoked = await grants.revoke(label, Date.now());
        print(options, view(revoked, Date.now()), `grant "${label}" revoked\n`);
      }),
    );
  return grant;
}

async function withGrants(options: Common, work: (grants: Grants, servers: string[]) => Promise<void>): Promise<void> {
  const config = loadConfig(options.config);
  if (config.store.grants === 'memory') throw new UsageError('store is "memory": grants would live only inside this command');
  const store = await openGrantStore(config.store.grants);
  try {
    await work(new Grants(store), Object.keys(config.servers));
  } finally {
    await store.close();
  }
}

/** A grant as people and scripts read it: its JSON form, and its state now. */
function view(grant: Grant, now: number) {
  return { ...grantJson(grant), status: grantStatus(grant, now) };
}

function table(rows: ReturnType<typeof view>[]): string {
  const lines = [['LABEL', 'STATUS', 'SERVERS', 'POLICY', 'CREATED', 'LAST USED', 'EXPIRES']];
  for (const r of rows) lines.push([r.label, r.status, r.servers.join(','), r.policy ?? '-', r.createdAt ?? '-', r.lastUsedAt ?? 'never', r.expiresAt ?? 'never']);
  const widths = lines[0]!.map((_, i) => Math.max(...lines.map((line) => line[i]!.length)));
  return lines.map((line) => line.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n';
}

function print(options: Common, data: unknown, human: string): void {
  process.stdout.write(options.json ? `${JSON.stringify(data, null, 2)}\n` : human);
}


const collect = (value: string, previous: string[]) => [...previous, value];
