import { Command } from 'commander';
import { classify, type Classification } from '../catalog/classify.js';
import { reasonsOf } from '../catalog/reasons.js';
import { recommend } from '../catalog/recommend.js';
import type { ToolDefinition } from '../catalog/tool-definition.js';
import { loadConfig } from '../config/load.js';
import { chosenServers, listServers } from './list-servers.js';

/** One row of the catalogue, as `--json` prints it. */
export interface CatalogEntry extends Omit<Classification, 'class'> {
  server: string;
  tool: string;
  class: Classification['class'];
  recommended: string;
}

/** `toolgate catalog`: every tool behind the gateway, classified by risk with reasons and a recommended rule. */
export function catalogCommand(): Command {
  return new Command('catalog')
    .description('list every tool of the configured servers, classified by risk, with reasons and a recommended rule')
    .option('-c, --config <file>', 'configuration file', './toolgate.yaml')
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
}

/** Classifies every listed tool; a description naming another server's tool is a cross-tool finding. */
export function catalogue(listed: ReadonlyMap<string, ToolDefinition[]>): CatalogEntry[] {
  const entries: CatalogEntry[] = [];
  for (const [server, tools] of listed) {
    const elsewhere = new Set([...listed].flatMap(([other, list]) => (other === server ? [] : list.map((t) => t.name))));
    for (const tool of tools) {
      const classification = classify(tool, { server, otherTools: elsewhere });
      entries.push({ server, tool: tool.name, ...classification, recommended: recommend(tool.name, classification).text });
    }
  }
  return entries;
}

function table(entries: CatalogEntry[]): string {
  const rows = entries.map((e) => [e.server, e.tool, e.class, e.severity, e.recommended, reasonsOf(e)]);
  const header = ['server', 'tool', 'class', 'severity', 'recommended', 'why'];
  const widths = header.map((h, i) => Math.min(40, Math.max(h.length, ...rows.map((r) => r[i]!.length))));
  const line = (cells: string[]) => cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line), ''].join('\n');
}
