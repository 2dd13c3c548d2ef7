import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { Client } from '@modelcontextprotocol/client';
import { httpClient } from './harness.js';
import { startDemo } from '../support/demo-process.js';

/**
 * The package as a user gets it: packed, installed globally into an empty prefix, and run as `toolgate` from a
 * folder that is not the clone. Installing compiles better-sqlite3 and re2 from source: minutes, not seconds.
 */

const run = promisify(execFile);
const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
const npmMissing = spawnSync('npm', ['--version']).error !== undefined;
const work = mkdtempSync(join(tmpdir(), 'toolgate-install-'));
after(() => rmSync(work, { recursive: true, force: true }));

// The outer `npm test`'s own settings (prefix, global, …) would otherwise steer the nested npm.
const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith('npm_')));

test('npm pack, npm install -g, then toolgate runs from anywhere', { skip: npmMissing && 'npm is not installed', timeout: 20 * 60_000 }, async (t) => {
  const packs = join(work, 'packs');
  const prefix = join(work, 'prefix');
  const elsewhere = join(work, 'elsewhere');
  for (const folder of [packs, prefix, elsewhere]) mkdirSync(folder);
  await run('npm', ['pack', '--pack-destination', packs], { env, maxBuffer: 64 << 20 });
  const [tarball] = readdirSync(packs);
  assert.equal(tarball, `toolgate-${version}.tgz`, 'npm pack names the tarball after the package and its version');
  await run('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', join(packs, tarball!)], { env, cwd: elsewhere, maxBuffer: 64 << 20 });
  const toolgate = join(prefix, 'bin', 'toolgate');
  const installed = join(prefix, 'lib', 'node_modules', 'toolgate');
  const pathEnv = { ...env, PATH: `${join(prefix, 'bin')}${delimiter}${env.PATH ?? ''}` };

  await t.test('toolgate --version prints the package version', async () => {
    const { stdout } = await run(toolgate, ['--version'], { cwd: elsewhere, env: pathEnv });
    assert.equal(stdout.trim(), version);
  });

  await t.test('toolgate demo serves the demo policy from any folder, and writes nothing there', async () => {
    const demo = await startDemo(toolgate, [], { cwd: elsewhere, env: pathEnv });
    try {
      const client = await httpClient(new URL(demo.urls.servers.smartlead!));
      try {
        const { tools } = await client.listTools();
        assert.deepEqual(tools.map((tool) => tool.name), [demo.urls.allowed]);
        const denied = await client.callTool({ name: demo.urls.denied, arguments: { campaign_id: 1 } });
        assert.equal(denied.isError, true);
        assert.match((denied.content as Array<{ text: string }>)[0]!.text, /^\[POLICY DENIED\]/);
      } finally {
        await client.close();
      }
      // The console's built assets ship in the package: the installed demo serves the page and the script it names.
      const page = await fetch(demo.urls.console!);
      const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec(await page.text())?.[1];
      assert.ok(page.ok && script, 'the installed package serves the console page, naming its script');
      const asset = await fetch(new URL(script, demo.urls.console));
      assert.deepEqual([asset.status, asset.headers.get('content-type')], [200, 'text/javascript; charset=utf-8'], 'and the script itself');
    } finally {
      await demo.stop();
    }
    assert.deepEqual(readdirSync(elsewhere), [], 'the demo leaves the working folder as it found it');
    assert.ok(!existsSync(join(installed, 'examples', 'demo', 'toolgate.db')), 'the demo keeps no database beside its configuration');
  });

  await t.test('the client snippet of the README works: command "toolgate", args stdio --config ABSOLUTE', async () => {
    const client = new Client({ name: 'desktop-like', version: '1' });
    await client.connect(
      new StdioClientTransport({ command: 'toolgate', args: ['stdio', '--config', join(installed, 'examples', 'demo', 'toolgate.yaml')], cwd: elsewhere, env: pathEnv as Record<string, string>, stderr: 'ignore' }),
    );
    try {
      const { tools } = await client.listTools();
      // Both demo servers, through one stdio connection: what their policies let through, the hidden tool left out.
      const names = tools.map((tool) => tool.name);
      assert.ok(names.includes('smartlead_create_client_api_key') && names.includes('payments_create_refund'), `both servers' allowed tools: ${names.join(', ')}`);
      assert.ok(!names.includes('payments_delete_customer') && !names.includes('smartlead_delete_campaign'), 'no hidden or unlisted tool');
    } finally {
      await client.close();
    }
  });
});
