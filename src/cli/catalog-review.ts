import type { Command } from 'commander';
import { describeChange } from '../catalog/definition-changes.js';
import { approveHeld, heldChanges, type HeldChange } from '../catalog/definition-review.js';
import { openPinStore } from '../catalog/open-pin-store.js';
import type { Pin, PinStore } from '../catalog/pin-store.js';
import { loadConfig } from '../config/load.js';
import type { GatewayConfig } from '../config/schema.js';
import { canonical } from '../documents/canonical-json.js';
import { openAuditLog } from './audit-log.js';
import { UsageError } from './errors.js';
import { CONFIG_HELP } from './config-file.js';

interface ReviewOptions {
  config: string;
  server?: string;
  json?: boolean;
}

/** `catalog diff` and `catalog approve`: the changed tool definitions held for review, and letting them through. */
export function addReviewCommands(catalog: Command): void {
  catalog
    .command('diff')
    .description('show each changed tool definition held for review, as a diff with what it introduces')
    .option('-c, --config <file>', CONFIG_HELP)
    .option('-s, --server <name>', 'only this server')
    .option('--json', 'print the held changes as JSON')
    .action((options: ReviewOptions) => withPins(options, async (pins) => diff(await heldChanges(pins, options.server), options)));

  catalog
    .command('approve')
    .description('accept the held definition of a tool (or of every tool with --all) as reviewed: the gateway lets it through within seconds')
    .argument('[server]', 'the server')
    .argument('[tool]', 'the tool')
    .option('-c, --config <file>', CONFIG_HELP)
    .option('--all', 'every held tool (of the server, if one is named)')
    .option('--json', 'print what was approved as JSON')
    .action((server: string | undefined, tool: string | undefined, options: ReviewOptions & { all?: boolean }) => {
      if (options.all ? tool !== undefined : server === undefined || tool === undefined) throw new UsageError('name a server and a tool, or use --all (with or without a server)');
      return withPins(options, (pins, config) => approve(pins, config, server, options.all ? undefined : tool, options));
    });
}

async function withPins(options: ReviewOptions, work: (pins: PinStore, config: GatewayConfig) => Promise<void>): Promise<void> {
  const config = loadConfig(options.config);
  if (options.server !== undefined && !Object.hasOwn(config.servers, options.server)) throw new UsageError(`no server "${options.server}" in ${options.config}`);
  if (config.store.pins === 'memory') throw new UsageError('the pins are kept in memory: only the running gateway has them');
  const pins = await openPinStore(config.store.pins);
  try {
    await work(pins, config);
  } finally {
    await pins.close();
  }
}

function diff(changes: HeldChange[], options: ReviewOptions): void {
  if (options.json) {
    process.stdout.write(`${JSON.stringify(changes, null, 2)}\n`);
    return;
  }
  if (changes.length === 0) {
    process.stdout.write('no changed tool definitions are held for review\n');
    return;
  }
  for (const held of changes) {
    process.stdout.write(`${held.server}/${held.tool}  held since ${held.seen}  (${held.pinned.slice(0, 12)} → ${held.held.slice(0, 12)})\n`);
    for (const change of held.changes) {
      process.stdout.write(`  ${describeChange(change)}\n`);
      if (change.kind === 'wording') {
        if (change.before !== undefined) process.stdout.write(`${quoted('-', change.before)}\n`);
        if (change.after !== undefined) process.stdout.write(`${quoted('+', change.after)}\n`);
      }
    }
    process.stdout.write(`  approve with: toolgate catalog approve ${held.server} ${held.tool}\n\n`);
  }
}

/** Approves held definitions and records each approval in the audit log, which must be one this process can append to. */
async function approve(pins: PinStore, config: GatewayConfig, server: string | undefined, tool: string | undefined, options: ReviewOptions): Promise<void> {
  const audit = config.audit.enabled ? await openAuditLog(config.store.audit, 'an approval') : undefined;
  let held: Pin[];
  try {
    held = await approveHeld(pins, (entry) => audit?.append(entry), 'cli', server, tool);
  } finally {
    await audit?.close();
  }
  if (held.length === 0) throw new UsageError(`nothing is held for review${server === undefined ? '' : ` on ${server}${tool === undefined ? '' : ` for ${tool}`}`} (toolgate catalog diff shows what is)`);
  if (options.json) process.stdout.write(`${canonical(held.map((pin) => ({ server: pin.server, tool: pin.tool, digest: pin.digest })))}\n`);
  else for (const pin of held) process.stdout.write(`approved ${pin.server}/${pin.tool} (${pin.digest.slice(0, 12)})\n`);
}

function quoted(sign: '-' | '+', text: string): string {
  return text
    .split('\n')
    .map((line) => `    ${sign} ${line}`)
    .join('\n');
}
