import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { FIXTURE, httpClient, until } from './harness.js';

/** A server without a policy, as `serve` and `stdio` run it: the log says why its list is empty, at start-up and when listed. */

const CLI = [process.execPath, '--import', 'tsx', 'src/cli/main.ts'] as const;
const dir = mkdtempSync(join(tmpdir(), 'toolgate-no-policy-'));
const config = join(dir, 'toolgate.yaml');
const fixture = { ...FIXTURE, cwd: process.cwd() };
writeFileSync(config, JSON.stringify({ store: 'memory', servers: { bare: fixture, governed: { ...fixture, policy: { version: '1', default: 'allow' } } } }));

const STARTUP = `bare has no policy: it lists no tools and denies every call; toolgate init --config ${config} --server bare writes a starting one`;
const LISTING = /^tools\/list: \d+ tools are hidden because server bare has no policy \(every call is denied too\); toolgate init --server bare writes a starting one$/;

type Line = { level: number; server?: string; hidden?: number; msg: string };
const lines = (stderr: string) => stderr.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Line);

test('serve warns at start-up of the server without a policy, and once when its tools/list comes back empty', async () => {
  const child = spawn(CLI[0], [...CLI.slice(1), 'serve', '--config', config, '--port', '0', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  try {
    await until(() => stdout.includes('\n'), 30_000, `the URLs on stdout; stderr: ${stderr}`);
    const { servers } = JSON.parse(stdout) as { servers: Record<string, string> };
    const client = await httpClient(new URL(servers.bare!));
    try {
      assert.deepEqual((await client.listTools()).tools, []);
      await until(() => lines(stderr).some((l) => LISTING.test(l.msg)), 10_000, `the listing warning; stderr: ${stderr}`);
      assert.deepEqual((await client.listTools()).tools, []);
    } finally {
      await client.close();
    }
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
  const logged = lines(stderr);
  const startup = logged.filter((l) => l.msg.includes('has no policy:'));
  assert.deepEqual(startup.map((l) => [l.level, l.server, l.msg]), [[40, 'bare', STARTUP]], 'one start-up warning, for bare only');
  const listing = logged.filter((l) => LISTING.test(l.msg));
  assert.equal(listing.length, 1, `the second listing is not logged again: ${JSON.stringify(listing)}`);
  assert.deepEqual([listing[0]!.level, listing[0]!.server], [40, 'bare']);
  assert.ok(listing[0]!.hidden! > 0, 'the line counts the tools hidden');
});

test('stdio warns at start-up too, and the aggregate listing says bare’s tools are hidden', async () => {
  const transport = new StdioClientTransport({ command: CLI[0], args: [...CLI.slice(1), 'stdio', '--config', config], stderr: 'pipe' });
  let stderr = '';
  transport.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const client = new Client({ name: 'no-policy-test', version: '1' });
  await client.connect(transport);
  try {
    const { tools } = await client.listTools();
    assert.ok(tools.length > 0, 'governed’s tools are listed');
    await until(() => lines(stderr).some((l) => LISTING.test(l.msg)), 10_000, `the listing warning; stderr: ${stderr}`);
    assert.ok(lines(stderr).some((l) => l.level === 40 && l.msg === STARTUP), `the start-up warning; stderr: ${stderr}`);
  } finally {
    await client.close();
  }
});
