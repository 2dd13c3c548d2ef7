import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { startDemo } from '../support/demo-process.js';
import { FIXTURE } from './harness.js';

/** The `toolgate` command, run as a user runs it. */

const CLI = [process.execPath, '--import', 'tsx', 'src/cli/main.ts'] as const;

async function connected(url: URL, headers: Record<string, string>): Promise<Client> {
  const client = new Client({ name: 'cli-test', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers } }));
  return client;
}
const dir = mkdtempSync(join(tmpdir(), 'toolgate-cli-'));

function configFile(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

const fixtureConfig = configFile(
  'fixture.yaml',
  `servers:\n  fixture:\n    command: ${JSON.stringify(FIXTURE.command)}\n    args: ${JSON.stringify(FIXTURE.args)}\n    cwd: ${JSON.stringify(process.cwd())}\n    policy: { version: "1", default: allow }\n`,
);

describe('toolgate stdio', () => {
  for (const mode of ['legacy', 'auto'] as const) {
    test(`stands in for a server in a client's configuration (${mode} client)`, async () => {
      const client = new Client({ name: 'stdio-test', version: '1' }, { versionNegotiation: { mode } });
      await client.connect(
        new StdioClientTransport({ command: CLI[0], args: [...CLI.slice(1), 'stdio', '--config', fixtureConfig, '--server', 'fixture'], stderr: 'ignore' }),
      );
      try {
        assert.equal(client.getProtocolEra(), mode === 'auto' ? 'modern' : 'legacy');
        const tools = await client.listTools();
        assert.ok(tools.tools.some((t) => t.name === 'echo'));
        const echo = await client.callTool({ name: 'echo', arguments: { message: 'via stdio' } });
        assert.deepEqual(echo.content, [{ type: 'text', text: 'via stdio' }]);
      } finally {
        await client.close();
      }
    });
  }
});

test('toolgate --version prints the version in package.json', () => {
  const run = spawnSync(CLI[0], [...CLI.slice(1), '--version'], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout, `${(JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version}\n`);
});

describe('configuration errors', () => {
  test('exit with code 2 and name the file, the path and what was expected', () => {
    const bad = configFile('bad.yaml', 'servers:\n  s:\n    command: node\n    argz: []\n');
    const run = spawnSync(CLI[0], [...CLI.slice(1), 'serve', '--config', bad], { encoding: 'utf8' });
    assert.equal(run.status, 2);
    assert.match(run.stderr, new RegExp(`${bad.replaceAll('/', '\\/')}: /servers/s: unknown field "argz"`));
  });

  test('an unset environment variable is an error, not an empty string', () => {
    const file = configFile('env.yaml', 'servers:\n  s:\n    command: node\n    env: { KEY: "${TOOLGATE_TEST_UNSET_VARIABLE}" }\n');
    const run = spawnSync(CLI[0], [...CLI.slice(1), 'serve', '--config', file], { encoding: 'utf8', env: { ...process.env, TOOLGATE_TEST_UNSET_VARIABLE: undefined } });
    assert.equal(run.status, 2);
    assert.match(run.stderr, /\/servers\/s\/env\/KEY: environment variable TOOLGATE_TEST_UNSET_VARIABLE is not set/);
  });

  test('a missing file says so, and who named it', () => {
    const run = spawnSync(CLI[0], [...CLI.slice(1), 'serve', '--config', join(dir, 'absent.yaml')], { encoding: 'utf8' });
    assert.equal(run.status, 2);
    assert.equal(run.stderr, `toolgate: ${join(dir, 'absent.yaml')}: no such configuration file (named by --config)\n`);
  });

  test('without --config, toolgate.yaml in the working directory is used, and said to be', () => {
    const here = mkdtempSync(join(tmpdir(), 'toolgate-cwd-'));
    const cli = [...CLI.slice(0, 2), import.meta.resolve('tsx'), resolve(CLI[3])];
    const none = spawnSync(cli[0]!, [...cli.slice(1), 'limits', 'status'], { encoding: 'utf8', cwd: here, env: { ...process.env, TOOLGATE_CONFIG: '', XDG_CONFIG_HOME: here } });
    assert.equal(none.status, 2);
    assert.match(none.stderr, /^toolgate: no configuration file: looked for toolgate\.yaml, toolgate\.yml, toolgate\.json in .+\. Write a toolgate\.yaml/);
    writeFileSync(join(here, 'toolgate.yaml'), readFileSync(fixtureConfig, 'utf8'));
    const found = spawnSync(cli[0]!, [...cli.slice(1), 'limits', 'status', '--json'], { encoding: 'utf8', cwd: here, env: { ...process.env, TOOLGATE_CONFIG: '' } });
    assert.equal(found.status, 0, found.stderr);
    assert.equal(found.stderr, `toolgate: using ${join(here, 'toolgate.yaml')}\n`);
  });

  test('the demo off loopback is refused: its grants live in its memory, where none can be made', () => {
    const run = spawnSync(CLI[0], [...CLI.slice(1), 'demo', '--host', '0.0.0.0'], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(run.status, 2);
    assert.match(run.stderr, /--host: the demo serves this machine only \(a loopback address\), not 0\.0\.0\.0/);
  });

  test('the demo with --grants makes one grant, and only its token gets in', async () => {
    const demo = await startDemo(CLI[0], CLI.slice(1), {}, ['--grants']);
    try {
      const { servers, allowed, grant, token } = demo.urls;
      assert.equal(grant, 'demo-agent');
      const url = new URL(servers.smartlead!);
      await assert.rejects(connected(url, {}), /401|Unauthorized|needs Authorization/, 'no token: refused');
      const client = await connected(url, { Authorization: `Bearer ${token}` });
      assert.deepEqual((await client.listTools()).tools.map((tool) => tool.name), [allowed]);
      await client.close();
    } finally {
      await demo.stop();
    }
  });

  test('the demo prints the console URL and an admin token that signs in there', async () => {
    const demo = await startDemo(CLI[0], CLI.slice(1));
    try {
      const { console: consoleUrl, adminToken, url } = demo.urls;
      const origin = new URL(url).origin;
      assert.equal(consoleUrl, `${origin}/console`);
      const page = await fetch(consoleUrl!);
      assert.deepEqual([page.status, page.headers.get('content-type')], [200, 'text/html; charset=utf-8'], 'the printed URL opens the console');
      const signIn = await fetch(`${origin}/console/session`, { method: 'POST', headers: { 'content-type': 'application/json', origin }, body: JSON.stringify({ token: adminToken }) });
      assert.equal(signIn.status, 200, await signIn.clone().text());
      assert.equal(((await signIn.json()) as { admin: string }).admin, 'demo-admin');
      const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
      const servers = (await (await fetch(`${origin}/admin/servers`, { headers: { cookie } })).json()) as { servers: { name: string }[] };
      assert.deepEqual(servers.servers.map(({ name }) => name), ['smartlead', 'payments'], 'the session cookie opens the admin API');
    } finally {
      await demo.stop();
    }
  });

  test('the demo holds a refund for a person: approved by the demo\'s admin, the identical call goes through, once', async () => {
    const demo = await startDemo(CLI[0], CLI.slice(1));
    try {
      const { servers, held, adminToken, url } = demo.urls;
      const client = await connected(new URL(servers.payments!), {});
      const refund = { name: held, arguments: { charge_id: 'ch_demo_2', amount: 5000, reason: 'duplicate' } };
      const pending = (await client.callTool(refund)) as { isError?: boolean; content: { text: string }[] };
      const id = /approval (ap_\w+)/.exec(pending.content[0]!.text)?.[1];
      assert.ok(pending.isError && id, `the refund waits for approval: ${pending.content[0]!.text}`);
      const admin = (verb: string) => fetch(`${new URL(url).origin}/admin/approvals/${id}/${verb}`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }, body: '{"reason":"checked"}' });
      assert.equal((await admin('approve')).status, 200, 'the demo\'s admin may approve it');
      const done = (await client.callTool(refund)) as { isError?: boolean; content: { text: string }[] };
      assert.match(done.content[0]!.text, /"status":"succeeded"/, 'the approved refund reached the server');
      const again = (await client.callTool(refund)) as { isError?: boolean; content: { text: string }[] };
      assert.match(again.content[0]!.text, /^\[APPROVAL PENDING\]/, 'the approval was used once: the same call again needs a new one');
      await client.close();
    } finally {
      await demo.stop();
    }
  });

  test('a rule the demo\'s console sets changes a copy of its policy for that run, never the package\'s files', async () => {
    const reference = readFileSync('examples/demo/smartlead-policy.json', 'utf8');
    const demo = await startDemo(CLI[0], CLI.slice(1));
    try {
      const { adminToken, url, servers, denied } = demo.urls;
      const put = await fetch(`${new URL(url).origin}/admin/policies/smartlead/tools/${denied}`, { method: 'PUT', headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }, body: '{"rule":"allow"}' });
      assert.equal(put.status, 200, await put.clone().text());
      const client = await connected(new URL(servers.smartlead!), {});
      assert.ok((await client.listTools()).tools.some((tool) => tool.name === denied), 'the rule is in force in the running demo');
      await client.close();
      assert.equal(readFileSync('examples/demo/smartlead-policy.json', 'utf8'), reference, 'the reference policy is untouched');
      assert.ok(!existsSync('examples/demo/.toolgate-versions'), 'no versions were kept beside the package\'s files');
    } finally {
      await demo.stop();
    }
  });

  test('serving off loopback without authentication is refused', () => {
    const open = configFile('open.yaml', `auth: none\n${readFileSync(fixtureConfig, 'utf8')}`);
    const run = spawnSync(CLI[0], [...CLI.slice(1), 'serve', '--config', open, '--host', '0.0.0.0'], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(run.status, 2);
    assert.match(run.stderr, /auth: none serves one local user, so it needs a loopback address, not 0\.0\.0\.0/);
  });
});

test('toolgate serve prints the URLs it serves and answers on them', async () => {
  const child = spawn(CLI[0], [...CLI.slice(1), 'serve', '--config', fixtureConfig, '--port', '0', '--json'], { stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    const line = await new Promise<string>((resolve, reject) => {
      child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString()));
      child.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
    });
    const urls = JSON.parse(line) as { url: string; servers: Record<string, string> };
    assert.match(urls.url, /^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    assert.equal(urls.servers.fixture, `${urls.url}/fixture`);
    const response = await fetch(urls.servers.fixture!, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'c', version: '1' } } }),
    });
    assert.equal(response.status, 200);
    assert.equal(((await response.json()) as { result: { serverInfo: { name: string } } }).result.serverInfo.name, 'fixture');
  } finally {
    child.kill('SIGTERM');
  }
});
