import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { CatalogEntry } from '../../src/catalog/catalogue.js';

/** `toolgate catalog`, as an operator runs it, against real servers from npm and one that is down. */

const CLI = [process.execPath, '--import', 'tsx', 'src/cli/main.ts'] as const;
const config = join(mkdtempSync(join(tmpdir(), 'toolgate-catalog-')), 'toolgate.yaml');
writeFileSync(
  config,
  [
    'servers:',
    '  memory:',
    `    command: ${JSON.stringify(process.execPath)}`,
    `    args: [${JSON.stringify(join(process.cwd(), 'node_modules/@modelcontextprotocol/server-memory/dist/index.js'))}]`,
    '  down:',
    '    url: http://127.0.0.1:9/mcp',
  ].join('\n'),
);
const run = (...args: string[]) => spawnSync(CLI[0], [...CLI.slice(1), 'catalog', '--config', config, ...args], { encoding: 'utf8', timeout: 60_000 });

test('--json lists every tool of the servers that answer, classified with reasons; a server that is down is named, and the exit code says so', () => {
  const result = run('--json');
  assert.equal(result.status, 1, result.stderr);
  assert.match(result.stderr, /server "down" could not be listed: .*ECONNREFUSED/);
  const entries = JSON.parse(result.stdout) as CatalogEntry[];
  const byTool = new Map(entries.map((e) => [e.tool, e]));
  assert.equal(entries.length, 9);
  assert.ok(entries.every((e) => e.server === 'memory' && e.rationale.length > 0));
  assert.deepEqual([byTool.get('delete_entities')!.class, byTool.get('delete_entities')!.recommended], ['Destructive', 'hide']);
  assert.deepEqual([byTool.get('read_graph')!.class, byTool.get('read_graph')!.recommended], ['Read', 'allow']);
  assert.equal(byTool.get('create_entities')!.recommended, 'allow, at most 30 calls a minute per grant');
});

test('a table on a terminal, one server at a time with --server; an unknown server is a usage error', () => {
  const table = run('--server', 'memory');
  assert.equal(table.status, 0, table.stderr);
  assert.match(table.stdout, /^server\s+tool\s+class\s+severity\s+recommended\s+why$/m);
  assert.match(table.stdout, /^memory\s+delete_relations\s+Destructive\s+High\s+hide\s+name begins with the verb 'delete'$/m);
  const unknown = run('--server', 'nope');
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /no server "nope" in .*toolgate\.yaml \(servers: memory, down\)/);
});
