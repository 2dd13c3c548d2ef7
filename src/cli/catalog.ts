import { Command } from 'commander';
import { classify, type Classification } from '../catalog/classify.js';
import { recommend } from '../catalog/recommend.js';
import type { ToolDefinition } from '../catalog/tool-definition.js';
import { loadConfig } from '../config/load.js';
import type { ServerConfig } from '../config/schema.js';
import { Inventory } from '../gateway/inventory.js';
import { UpstreamConnection } from '../upstream/connection.js';
import { transportFor } from '../upstream/transport-for.js';
import { UsageError } from './errors.js';

/** One row of the catalogue, as `--json` prints it. */
export interface CatalogEntry extends Omit<Classification, 'class'> {
  server: string;
  tool: string;
  class: Classification['class'];
  recommended: string;
}

/** How long a server has to answer its handshake before the catalogue reports it down. */
const CONNECT_TIMEOUT_MS = 30_000;

/** `toolgate catalog`: every tool behind the gateway, classified by risk with reasons and a recommended rule. */
export function catalogCommand(): Command {
  return new Command('catalog')
    .description('list every tool of the configured servers, classified by risk, with reasons and a recommended rule')
    .option('-c, --config <file>', 'configuration file', './toolgate.yaml')
    .option('-s, --server <name>', 'only this server')
    .option('--json', 'print the catalogue as JSON')
    .action(async (options: { config: string; server?: string; json?: boolean }) => {
      const config = loadConfig(options.config);
      const names = options.server ? [options.server] : Object.keys(config.servers);
      for (const name of names) if (!Object.hasOwn(config.servers, name)) throw new UsageError(`no server "${name}" in ${options.config} (servers: ${Object.keys(config.servers).join(', ')})`);
      const listed = new Map<string, ToolDefinition[]>();
      const failed = new Map<string, string>();
      const progress = process.stderr.isTTY ? (text: string) => process.stderr.write(`\r\x1b[K${text}`) : () => {};
      // One at a time: a line of progress per server, and no burst of spawned servers on a laptop.
      for (const [i, name] of names.entries()) {
        progress(`contacting ${name} (${i + 1}/${names.length})…`);
        try {
          listed.set(name, await listTools(name, config.servers[name]!));
        } catch (error) {
          failed.set(name, (error as Error).message);
        }
      }
      progress('');
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

async function listTools(name: string, server: ServerConfig): Promise<ToolDefinition[]> {
  const listener = { onNotification: () => {}, onServerRequest: async () => ({ error: { code: -32601, message: 'the catalogue answers no requests' } }) };
  const connection = new UpstreamConnection(name, server, { createTransport: () => transportFor(server), listener, startTimeoutMs: CONNECT_TIMEOUT_MS, readyTimeoutMs: CONNECT_TIMEOUT_MS, tryOnce: true });
  try {
    await connection.start();
    return (await new Inventory().list(connection, 'tools')) as unknown as ToolDefinition[];
  } finally {
    await connection.close();
  }
}

function table(entries: CatalogEntry[]): string {
  const rows = entries.map((e) => [e.server, e.tool, e.class, e.severity, e.recommended, [...e.rationale, ...e.findings.map((f) => `finding (${f.kind}): ${f.text}`)].join('; ')]);
  const header = ['server', 'tool', 'class', 'severity', 'recommended', 'why'];
  const widths = header.map((h, i) => Math.min(40, Math.max(h.length, ...rows.map((r) => r[i]!.length))));
  const line = (cells: string[]) => cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line), ''].join('\n');
}
