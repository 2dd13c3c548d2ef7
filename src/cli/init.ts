import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { Command } from 'commander';
import { catalogue } from '../catalog/catalogue.js';
import { WRITE_LIMIT_PER_MINUTE } from '../catalog/recommend.js';
import { startingPolicy, type StartingPolicy } from '../catalog/starting-policy.js';
import { loadConfig } from '../config/load.js';
import { UsageError } from './errors.js';
import { chosenServers, listServers } from './list-servers.js';
import { CONFIG_HELP } from './config-file.js';

interface InitOptions {
  config: string;
  server?: string;
  out?: string;
  force?: boolean;
  json?: boolean;
}

/** One policy written, as `--json` prints it. */
export interface WrittenPolicy {
  server: string;
  file: string;
  /** The value of the server entry's `policy:`, relative to the configuration file. */
  policy: string;
  tools: number;
  effects: StartingPolicy['effects'];
}

/** `toolgate init`: a starting policy per server, from what the catalogue makes of its tools. */
export function initCommand(): Command {
  return new Command('init')
    .description('write a starting policy for each configured server from its tools, classified by risk (exit 1 if a server could not be listed)')
    .option('-c, --config <file>', CONFIG_HELP)
    .option('-s, --server <name>', 'only this server')
    .option('-o, --out <dir>', 'directory for <server>.json (default: policies/ beside the configuration)')
    .option('-f, --force', 'overwrite policy files that exist')
    .option('--json', 'print what was written as JSON')
    .action(init);
}

async function init(options: InitOptions): Promise<void> {
  const config = loadConfig(options.config);
  const names = chosenServers(config.servers, options.server, options.config);
  const configDir = dirname(resolve(options.config));
  // Beside the configuration, so `policy: ./policies/<server>.json` holds wherever the gateway is started from.
  const outDir = resolve(options.out ?? join(configDir, 'policies'));
  const fileOf = (server: string) => join(outDir, `${server}.json`);
  // Before any server is contacted: an operator's edited policy is not thrown away by a second run.
  const existing = names.map(fileOf).filter((file) => existsSync(file));
  if (existing.length > 0 && !options.force) throw new UsageError(`${existing.map(shown).join(', ')} already ${existing.length === 1 ? 'exists' : 'exist'}; --force overwrites`);

  const { listed, failed } = await listServers(config.servers, names);
  const entries = catalogue(listed);
  mkdirSync(outDir, { recursive: true });
  const written: WrittenPolicy[] = [];
  for (const server of listed.keys()) {
    const tools = entries.filter((entry) => entry.server === server);
    const { document, effects } = startingPolicy(server, tools);
    const file = fileOf(server);
    writeFileSync(file, `${JSON.stringify(document, null, 2)}\n`, { flag: options.force ? 'w' : 'wx' });
    written.push({ server, file, policy: policyLine(configDir, file), tools: tools.length, effects });
  }

  if (options.json) {
    process.stdout.write(`${JSON.stringify({ written, failed: [...failed].map(([server, error]) => ({ server, error })) }, null, 2)}\n`);
  } else {
    for (const w of written) {
      process.stdout.write(`wrote ${shown(w.file)}: ${w.tools} tools (${summary(w.effects)})\n  in ${shown(options.config)}, under servers.${w.server}:  policy: ${w.policy}\n`);
    }
  }
  for (const [server, why] of failed) process.stderr.write(`toolgate: server "${server}" could not be listed, so no policy was written for it: ${why}\n`);
  if (failed.size > 0) process.exitCode = 1;
}

/** A path as the configuration resolves it: relative to the configuration's directory. */
function policyLine(configDir: string, file: string): string {
  const path = relative(configDir, file);
  return isAbsolute(path) || path.startsWith('..') ? path : `./${path}`;
}

function shown(file: string): string {
  const path = relative(process.cwd(), file);
  return path.startsWith('..') ? resolve(file) : path;
}

function summary(effects: StartingPolicy['effects']): string {
  const parts = [
    [effects.allow, 'allowed'],
    [effects.limit, `limited to ${WRITE_LIMIT_PER_MINUTE} calls a minute`],
    [effects['per-operation'], 'ruled per operation'],
    [effects.approval, 'needing approval'],
    [effects.hide, 'hidden'],
  ] as const;
  return parts.filter(([count]) => count > 0).map(([count, what]) => `${count} ${what}`).join(', ') || 'no rules';
}
