import { Command } from 'commander';
import { catalogue, type CatalogEntry } from '../catalog/catalogue.js';
import { reasonsOf } from '../catalog/reasons.js';
import { loadConfig } from '../config/load.js';
import { addReviewCommands } from './catalog-review.js';
import { chosenServers, listServers } from './list-servers.js';
import { CONFIG_HELP } from './config-file.js';

/** `toolgate catalog`: every tool behind the gateway, classified by risk with reasons and a recommended rule. */
export function catalogCommand(): Command {
  const catalog = new Command('catalog')
    .enablePositionalOptions()
    .description('list every tool of the configured servers, classified by risk, with reasons and a recommended rule')
    .option('-c, --config <file>', CONFIG_HELP)
    .option('-s, --server <name>', 'only this server')
    .option('--json', 'print the catalogue as JSON')
    .action(async (options: { config: string; server?: string; json?: boolean }) => {
      const config = loadConfig(options.config);
      const names = chosenServers(config.servers, options.server, options.config);
      const { listed, failed } = await listServers(config.servers, names);
      const entries = catalogue(listed);
      if (options.json) process.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
      else process.stdout.write(table(entries));
      for (const [name, why] of failed) process.stderr.write(`toolgate: server "${name}" could not be listed: ${why}\n`);
      if (failed.size > 0) process.exitCode = 1;
    });
  addReviewCommands(catalog);
  return catalog;
}

function table(entries: CatalogEntry[]): string {
  const rows = entries.map((e) => [e.server, e.tool, e.class, e.severity, e.recommended, reasonsOf(e)]);
  const header = ['server', 'tool', 'class', 'severity', 'recommended', 'why'];
  const widths = header.map((h, i) => Math.min(40, Math.max(h.length, ...rows.map((r) => r[i]!.length))));
  const line = (cells: string[]) => cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line), ''].join('\n');
}
