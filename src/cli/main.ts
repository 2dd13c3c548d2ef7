#!/usr/bin/env node
import { Command } from 'commander';
import { DocumentError } from '../documents/errors.js';
import { UsageError } from './errors.js';
import { GrantError } from '../grants/grants.js';
import { adminCommand } from './admin.js';
import { approvalsCommand } from './approvals.js';
import { auditCommand } from './audit.js';
import { catalogCommand } from './catalog.js';
import { grantCommand } from './grant.js';
import { initCommand } from './init.js';
import { ListenError } from './listen-error.js';
import { limitsCommand } from './limits.js';
import { policyCommand } from './policy.js';
import { serve } from './serve.js';
import { demo } from './demo.js';
import { stdio } from './stdio.js';
import { CONFIG_HELP, locateConfigBeforeAction } from './config-file.js';
import { PACKAGE_VERSION } from '../package-info.js';

/** Exit codes: 0 success, 1 failure while running, 2 bad usage or configuration, 3 could not listen, 4 `serve` cancelled calls at shutdown (serve.ts), 128 + N a second signal N (README lists them). */
const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;
const EXIT_LISTEN = 3;

/** The errors that end a command with a sentence of their own, no stack trace, and the exit code of each. */
const EXIT_CODES: [abstract new (...args: never[]) => Error, number][] = [
  [DocumentError, EXIT_USAGE],
  [UsageError, EXIT_USAGE],
  [GrantError, EXIT_FAILURE],
  [ListenError, EXIT_LISTEN],
];

const program = new Command()
  .name('toolgate')
  .description('A policy gateway for the Model Context Protocol')
  .version(PACKAGE_VERSION)
  .showHelpAfterError()
  .enablePositionalOptions()
  .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : EXIT_USAGE));
locateConfigBeforeAction(program);

program
  .command('serve')
  .description('serve the configured MCP servers over Streamable HTTP at /mcp and /mcp/<server>')
  .option('-c, --config <file>', CONFIG_HELP)
  .option('-p, --port <port>', 'port to listen on (overrides "listen")')
  .option('--host <host>', 'address to bind (overrides "listen"; off loopback, agents must authenticate)')
  .option('--json', 'print the endpoint URLs as JSON')
  .action(serve);

program
  .command('demo')
  .description('serve the bundled demo (a made-up SmartLead server behind the reference policy), keeping nothing')
  .option('-p, --port <port>', 'port to listen on (default: 7420)')
  .option('--host <host>', 'loopback address to bind (default: 127.0.0.1)')
  .option('--grants', 'agents must bring a grant, as off loopback; one is made and its token printed')
  .option('--json', 'print the endpoint URLs and the tools to try as JSON')
  .action(demo);

program
  .command('stdio')
  .description('serve over stdio, in place of a server entry in a client configuration')
  .option('-c, --config <file>', CONFIG_HELP)
  .option('-s, --server <name>', 'serve one server under its own tool names (default: all, aggregated)')
  .option('-g, --grant <label>', 'the grant to serve as (default: TOOLGATE_GRANT; none needed without auth)')
  .action(stdio);

program.addCommand(catalogCommand());
program.addCommand(approvalsCommand());
program.addCommand(initCommand());
program.addCommand(policyCommand());
program.addCommand(limitsCommand());
program.addCommand(grantCommand());
program.addCommand(adminCommand());
program.addCommand(auditCommand());

try {
  await program.parseAsync();
} catch (error) {
  const known = EXIT_CODES.find(([kind]) => error instanceof kind);
  if (known) {
    process.stderr.write(`toolgate: ${(error as Error).message}\n`);
    process.exit(known[1]);
  }
  process.stderr.write(`toolgate: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(EXIT_FAILURE);
}
