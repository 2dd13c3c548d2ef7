import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client, SdkHttpError, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { parse as parseYaml } from 'yaml';
import { adminCredentials } from '../../src/admin/admin-identity.js';
import { configSchema } from '../../src/config/schema.js';
import { Grants } from '../../src/grants/grants.js';
import { SqliteGrantStore } from '../../src/grants/sqlite-grant-store.js';
import { FIXTURE } from './harness.js';

/** `toolgate grant …`, `toolgate admin token`, and the gateways that read what they write, run as a user runs them. */

const CLI = [process.execPath, '--import', 'tsx', 'src/cli/main.ts'] as const;
const dir = mkdtempSync(join(tmpdir(), 'toolgate-cli-grants-'));
const ALLOW_ALL = { version: '1', default: 'allow' };
const fixture = { ...FIXTURE, cwd: process.cwd(), policy: ALLOW_ALL };

/** A configuration in a folder of its own, so each has its own `toolgate.db` beside it. */
function writeConfig(name: string, config: Record<string, unknown>): string {
  const folder = join(dir, name);
  mkdirSync(folder);
  const file = join(folder, 'toolgate.yaml');
  writeFileSync(file, JSON.stringify({ store: 'sqlite:./toolgate.db', ...config }, null, 2));
  return file;
}

/** TOOLGATE_GRANT is cleared unless a test sets it: one in the developer's shell must not change what is tested. */
function toolgate(args: string[], env: Record<string, string> = {}) {
  return spawnSync(CLI[0], [...CLI.slice(1), ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, TOOLGATE_GRANT: undefined, ...env } });
}

interface GrantView {
  id: string;
  label: string;
  status: 'active' | 'expired' | 'revoked';
  servers: string[];
  policy: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
}

function createGrant(config: string, label: string, ...options: string[]): { token: string; grant: GrantView } {
  const run = toolgate(['grant', 'create', label, '--config', config, '--json', ...options]);
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout) as { token: string; grant: GrantView };
}

function listGrants(config: string): GrantView[] {
  const run = toolgate(['grant', 'list', '--config', config, '--json']);
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout) as GrantView[];
}

function revokeGrant(config: string, label: string): void {
  const run = toolgate(['grant', 'revoke', label, '--config', config]);
  assert.equal(run.status, 0, run.stderr);
}

/** What `grants.authenticate` says of a token, asked of the SQLite file the CLI wrote, as a gateway would. */
async function verdict(config: string, token: string, now = Date.now()): Promise<string> {
  const store = new SqliteGrantStore(join(config, '..', 'toolgate.db'));
  try {
    const outcome = await new Grants(store).authenticate(token, now);
    return outcome.kind === 'ok' ? `ok: ${outcome.grant.label}` : outcome.reason;
  } finally {
    await store.close();
  }
}

interface Served {
  url: string;
  servers: Record<string, string>;
  child: ChildProcessWithoutNullStreams;
}

const running = new Set<ChildProcessWithoutNullStreams>();

/** `toolgate serve --port 0 --json`, resolved once it has printed its URLs (its first stdout line). */
async function serve(config: string, ...options: string[]): Promise<Served> {
  const child = spawn(CLI[0], [...CLI.slice(1), 'serve', '--config', config, '--port', '0', '--json', ...options], { env: { ...process.env, TOOLGATE_GRANT: undefined } });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const line = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('\n')) resolve(stdout.slice(0, stdout.indexOf('\n')));
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
  });
  return { ...(JSON.parse(line) as { url: string; servers: Record<string, string> }), child };
}

/** SIGTERM lets serve close its upstreams; SIGKILL only if it does not exit in time. */
async function stop(child: ChildProcessWithoutNullStreams): Promise<void> {
  running.delete(child);
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

after(async () => {
  await Promise.all([...running].map(stop));
});

/** The SDK v2 client over Streamable HTTP, sending the token as a client configured with one does. */
async function connect(url: string, token?: string): Promise<Client> {
  const client = new Client({ name: 'cli-grants-test', version: '1.0.0' });
  const headers: Record<string, string> = token === undefined ? {} : { Authorization: `Bearer ${token}` };
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  return client;
}

async function echo(client: Client, message: string, name = 'echo'): Promise<unknown> {
  return (await client.callTool({ name, arguments: { message } })).content;
}

const unauthorized = (error: unknown) => error instanceof SdkHttpError && error.status === 401;

/** A raw initialize, for what the SDK client does not show: the status and WWW-Authenticate. */
async function initialize(url: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'c', version: '1' } } }),
  });
}

describe('toolgate grant create', () => {
  const config = writeConfig('create', { auth: 'grants', servers: { fixture } });

  test('--json prints one JSON object: the token and the active grant', () => {
    const run = toolgate(['grant', 'create', 'alice', '--server', 'fixture', '--config', config, '--json']);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stderr, '');
    const printed = JSON.parse(run.stdout) as { token: string; grant: GrantView };
    assert.deepEqual(Object.keys(printed).sort(), ['grant', 'token']);
    assert.match(printed.token, /^tgk_/);
    const { id, createdAt, ...rest } = printed.grant;
    assert.match(id, /^gr_/);
    assert.ok(Math.abs(Date.parse(createdAt) - Date.now()) < 60_000);
    assert.deepEqual(rest, { label: 'alice', status: 'active', servers: ['fixture'], policy: null, lastUsedAt: null, expiresAt: null, revokedAt: null });
  });

  test('the token printed is the grant’s: it authenticates as it', async () => {
    const { token } = createGrant(config, 'checked', '--all-servers');
    assert.equal(await verdict(config, token), 'ok: checked');
  });

  test('without --json: only the token on stdout, and on stderr that it is shown only once', async () => {
    const run = toolgate(['grant', 'create', 'bob', '--all-servers', '--config', config]);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^tgk_\S+\n$/);
    assert.match(run.stderr, /grant "bob" created; the token above is shown only this once/);
    assert.equal(await verdict(config, run.stdout.trim()), 'ok: bob');
  });

  test('--all-servers: every server ("*"); --expires 30d: expires 30 days after creation', () => {
    const { grant } = createGrant(config, 'temp', '--all-servers', '--expires', '30d');
    assert.deepEqual(grant.servers, ['*']);
    assert.equal(Date.parse(grant.expiresAt!) - Date.parse(grant.createdAt), 30 * 86_400_000);
  });

  test('neither --server nor --all-servers: exit 2 saying what to add, and no grant', () => {
    const run = toolgate(['grant', 'create', 'gina', '--config', config]);
    assert.equal(run.status, 2);
    assert.equal(run.stderr, `toolgate: grant "gina" reaches no server: add --server NAME for each it may reach (${config} has fixture), or --all-servers\n`);
    assert.equal(run.stdout, '');
    assert.ok(!listGrants(config).some((g) => g.label === 'gina'), 'no grant is created');
  });

  test('both --server and --all-servers: exit 2, and no grant', () => {
    const run = toolgate(['grant', 'create', 'hal', '--server', 'fixture', '--all-servers', '--config', config]);
    assert.equal(run.status, 2);
    assert.equal(run.stderr, 'toolgate: --server and --all-servers: give one or the other\n');
    assert.ok(!listGrants(config).some((g) => g.label === 'hal'), 'no grant is created');
  });

  test('--server naming a server not in the configuration: exit 2 naming it, and no grant', () => {
    const run = toolgate(['grant', 'create', 'carol', '--server', 'nosuch', '--config', config]);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /--server: "nosuch" is not in .*toolgate\.yaml; it has fixture/);
    assert.equal(run.stdout, '');
    assert.ok(!listGrants(config).some((g) => g.label === 'carol'));
  });

  test('a label already in use: exit 1 saying so', () => {
    const run = toolgate(['grant', 'create', 'alice', '--all-servers', '--config', config]);
    assert.equal(run.status, 1);
    assert.equal(run.stderr, 'toolgate: a grant labelled "alice" already exists; revoke it or choose another label\n');
    assert.equal(run.stdout, '');
  });

  test('an invalid label: exit 1 saying what a label may be', () => {
    const run = toolgate(['grant', 'create', 'no spaces/please', '--all-servers', '--config', config]);
    assert.equal(run.status, 1);
    assert.match(run.stderr, /"no spaces\/please" is not a grant label: use 1 to 64 letters, digits/);
  });

  test('--expires that is not a duration: exit 2', () => {
    const run = toolgate(['grant', 'create', 'dave', '--all-servers', '--expires', 'nonsense', '--config', config]);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /--expires: "nonsense" is not a duration/);
    assert.ok(!listGrants(config).some((g) => g.label === 'dave'));
  });

  test('--policy with a file that does not validate: exit 2 naming the file, and no grant', () => {
    const policy = join(dir, 'bad-policy.yaml');
    writeFileSync(policy, 'version: "1"\ndefault: perhaps\n');
    const run = toolgate(['grant', 'create', 'erin', '--all-servers', '--policy', policy, '--config', config]);
    assert.equal(run.status, 2);
    assert.ok(run.stderr.includes(`${policy}: /default`), run.stderr);
    assert.ok(!listGrants(config).some((g) => g.label === 'erin'));
  });

  test('--policy with a valid file: the grant keeps its absolute path', () => {
    const policy = join(dir, 'good-policy.yaml');
    writeFileSync(policy, 'version: "1"\ndefault: allow\n');
    assert.equal(createGrant(config, 'frank', '--all-servers', '--policy', policy).grant.policy, policy);
  });
});

describe('toolgate grant list', () => {
  const config = writeConfig('list', { auth: 'grants', servers: { fixture } });
  const tokens: string[] = [];

  test('with no grants yet says so', () => {
    const run = toolgate(['grant', 'list', '--config', config]);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, 'no grants\n');
  });

  test('--json lists every grant with its status, and never a token or hash', () => {
    tokens.push(createGrant(config, 'alice', '--server', 'fixture').token, createGrant(config, 'bob', '--all-servers').token);
    revokeGrant(config, 'bob');
    const run = toolgate(['grant', 'list', '--config', config, '--json']);
    assert.equal(run.status, 0, run.stderr);
    const grants = JSON.parse(run.stdout) as GrantView[];
    assert.deepEqual(
      grants.map((g) => [g.label, g.status, g.servers]),
      [['alice', 'active', ['fixture']], ['bob', 'revoked', ['*']]],
    );
    assert.deepEqual(Object.keys(grants[0]!).sort(), ['createdAt', 'expiresAt', 'id', 'label', 'lastUsedAt', 'policy', 'revokedAt', 'servers', 'status']);
    // The whole output, not only the parsed fields: no token, nor the secret half of one.
    for (const token of tokens) assert.ok(!run.stdout.includes(token) && !run.stdout.includes(token.slice(-20)));
    assert.ok(!/hash|secret|token|tgk_/i.test(run.stdout));
  });

  test('the human form is a table with a header row, one row per grant', () => {
    const run = toolgate(['grant', 'list', '--config', config]);
    assert.equal(run.status, 0, run.stderr);
    const lines = run.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^LABEL +STATUS +SERVERS +POLICY +CREATED +LAST USED +EXPIRES$/);
    assert.equal(lines.length, 3);
    assert.match(lines[1]!, /^alice +active +fixture +- +\d{4}-\d\d-\d\dT\S+ +never +never$/);
    assert.match(lines[2]!, /^bob +revoked +\* +/);
    for (const token of tokens) assert.ok(!run.stdout.includes(token));
  });
});

describe('toolgate grant rotate and revoke', () => {
  const config = writeConfig('rotate', { auth: 'grants', servers: { fixture } });

  test('rotate --json gives the same grant a new token; the old one stops working at once', async () => {
    const created = createGrant(config, 'alice', '--server', 'fixture');
    const run = toolgate(['grant', 'rotate', 'alice', '--config', config, '--json']);
    assert.equal(run.status, 0, run.stderr);
    const rotated = JSON.parse(run.stdout) as { token: string; grant: GrantView };
    assert.match(rotated.token, /^tgk_/);
    assert.notEqual(rotated.token, created.token);
    assert.equal(rotated.grant.id, created.grant.id);
    // Rotation retires the old credential by expiring it now (with --grace, later).
    assert.equal(await verdict(config, created.token), 'expired');
    assert.equal(await verdict(config, rotated.token), 'ok: alice');
  });

  test('rotate --grace 10m: the old token keeps working for ten minutes', async () => {
    const created = createGrant(config, 'graced', '--all-servers');
    const run = toolgate(['grant', 'rotate', 'graced', '--grace', '10m', '--config', config]);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^tgk_\S+\n$/);
    assert.equal(await verdict(config, created.token), 'ok: graced');
    assert.equal(await verdict(config, created.token, Date.now() + 10 * 60_000 + 1000), 'expired');
  });

  test('revoke: the grant is listed as revoked and its token refused; revoking again is exit 1', async () => {
    const { token } = createGrant(config, 'bob', '--all-servers');
    const run = toolgate(['grant', 'revoke', 'bob', '--config', config]);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, 'grant "bob" revoked\n');
    const bob = listGrants(config).find((g) => g.label === 'bob')!;
    assert.equal(bob.status, 'revoked');
    assert.ok(Math.abs(Date.parse(bob.revokedAt!) - Date.now()) < 60_000);
    assert.equal(await verdict(config, token), 'revoked');

    const again = toolgate(['grant', 'revoke', 'bob', '--config', config]);
    assert.equal(again.status, 1);
    assert.equal(again.stderr, 'toolgate: no active grant is labelled "bob"\n');
  });

  test('rotating a revoked or unknown grant: exit 1', () => {
    createGrant(config, 'gone', '--all-servers');
    revokeGrant(config, 'gone');
    for (const label of ['gone', 'nobody']) {
      const run = toolgate(['grant', 'rotate', label, '--config', config]);
      assert.equal(run.status, 1, label);
      assert.equal(run.stderr, `toolgate: no active grant is labelled "${label}"\n`);
    }
  });
});

describe('toolgate serve with auth: grants', () => {
  const config = writeConfig('serve', { auth: 'grants', servers: { fixture } });
  let served: Served;
  before(async () => {
    createGrant(config, 'setup', '--all-servers');
    served = await serve(config);
  });
  after(() => stop(served.child));

  test('a client with a grant token created by the CLI calls a tool', async () => {
    const { token } = createGrant(config, 'alice', '--server', 'fixture');
    const client = await connect(served.servers.fixture!, token);
    try {
      assert.deepEqual(await echo(client, 'with a grant'), [{ type: 'text', text: 'with a grant' }]);
    } finally {
      await client.close();
    }
    // The gateway records the use in the same file the CLI reads.
    assert.notEqual(listGrants(config).find((g) => g.label === 'alice')!.lastUsedAt, null);
  });

  test('a client without a token fails: 401 with a Bearer challenge', async () => {
    await assert.rejects(connect(served.servers.fixture!), unauthorized);
    await assert.rejects(connect(served.url), unauthorized);
    const response = await initialize(served.url);
    assert.equal(response.status, 401);
    assert.equal(response.headers.get('www-authenticate'), 'Bearer realm="toolgate"');
  });

  test('grant revoke, run while the gateway serves: the next call of a connected client fails', async () => {
    const { token } = createGrant(config, 'carol', '--all-servers');
    const client = await connect(served.url, token);
    try {
      assert.deepEqual(await echo(client, 'before', 'fixture__echo'), [{ type: 'text', text: 'before' }]);
      revokeGrant(config, 'carol');
      await assert.rejects(echo(client, 'after', 'fixture__echo'), unauthorized);
    } finally {
      await client.close().catch(() => {});
    }
    await assert.rejects(connect(served.url, token), unauthorized);
    const response = await initialize(served.url, { authorization: `Bearer ${token}` });
    assert.match(response.headers.get('www-authenticate') ?? '', /error="invalid_token", error_description="the grant has been revoked"/);
  });

  test('grant rotate, run while the gateway serves: the old token is refused, the new one works', async () => {
    const old = createGrant(config, 'dave', '--all-servers').token;
    const run = toolgate(['grant', 'rotate', 'dave', '--config', config, '--json']);
    assert.equal(run.status, 0, run.stderr);
    await assert.rejects(connect(served.url, old), unauthorized);
    const client = await connect(served.url, (JSON.parse(run.stdout) as { token: string }).token);
    try {
      assert.deepEqual(await echo(client, 'rotated', 'fixture__echo'), [{ type: 'text', text: 'rotated' }]);
    } finally {
      await client.close();
    }
  });
});

describe('toolgate serve off loopback with no auth set', () => {
  const config = writeConfig('public', { servers: { fixture } });

  test('--host 0.0.0.0 starts in grants mode: 401 without a token, 200 with one', async () => {
    const { token } = createGrant(config, 'remote', '--all-servers');
    const served = await serve(config, '--host', '0.0.0.0');
    try {
      // Bound to every address, it prints the loopback URL, which a client on this machine can use as it is.
      const url = new URL(served.url);
      assert.equal(url.hostname, '127.0.0.1');
      const refused = await initialize(url.href);
      assert.equal(refused.status, 401);
      assert.equal(refused.headers.get('www-authenticate'), 'Bearer realm="toolgate"');
      const admitted = await initialize(url.href, { authorization: `Bearer ${token}` });
      assert.equal(admitted.status, 200, await admitted.clone().text());
      await admitted.body?.cancel();
    } finally {
      await stop(served.child);
    }
  });
});

describe('toolgate stdio with auth: grants', () => {
  // Two servers, so a grant limited to one shows what it cannot reach.
  const config = writeConfig('stdio', { auth: 'grants', servers: { fixture, other: fixture } });
  before(() => {
    createGrant(config, 'alice', '--server', 'fixture');
    createGrant(config, 'gone', '--all-servers');
    revokeGrant(config, 'gone');
  });

  async function stdioClient(args: string[], env: Record<string, string> = {}): Promise<Client> {
    const client = new Client({ name: 'cli-grants-stdio', version: '1.0.0' });
    await client.connect(new StdioClientTransport({ command: CLI[0], args: [...CLI.slice(1), 'stdio', '--config', config, ...args], env, stderr: 'ignore' }));
    return client;
  }

  async function reachesOnlyFixture(client: Client): Promise<void> {
    // The other server offers the same names, but the grant does not reach it: its names stay as they are.
    const names = (await client.listTools()).tools.map((t) => t.name);
    assert.ok(names.includes('echo'), names.join(', '));
    assert.deepEqual(names.filter((name) => name.includes('__')), []);
    assert.deepEqual(await echo(client, 'via stdio', 'echo'), [{ type: 'text', text: 'via stdio' }]);
    const refused = await client.callTool({ name: 'other__echo', arguments: { message: 'x' } });
    assert.equal(refused.isError, true);
    // Answered as any tool the grant cannot see: the other server's tools are not revealed.
    assert.equal((refused.content as { text: string }[])[0]!.text, '[POLICY DENIED] Tool "other__echo" is not permitted by policy');
  }

  test('without --grant: exit 2 saying to name one with --grant', () => {
    const run = toolgate(['stdio', '--config', config]);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /auth: grants in .*toolgate\.yaml: name the grant to serve as with --grant LABEL or TOOLGATE_GRANT/);
  });

  test('--grant alice: the client lists and calls the tools of the one server the grant reaches', async () => {
    const client = await stdioClient(['--grant', 'alice']);
    try {
      await reachesOnlyFixture(client);
    } finally {
      await client.close();
    }
  });

  test('a grant revoked while its stdio client is connected is refused from the next request', async () => {
    createGrant(config, 'bob', '--server', 'fixture');
    const client = await stdioClient(['--grant', 'bob']);
    try {
      assert.deepEqual(await echo(client, 'before', 'echo'), [{ type: 'text', text: 'before' }]);
      revokeGrant(config, 'bob');
      await assert.rejects(echo(client, 'after', 'echo'), /Unauthorized: no active grant is labelled "bob"/);
    } finally {
      await client.close();
    }
  });

  test('--grant of a revoked or unknown grant: exit 2 naming it', () => {
    for (const label of ['gone', 'nobody']) {
      const run = toolgate(['stdio', '--config', config, '--grant', label]);
      assert.equal(run.status, 2, label);
      // The gateway's own log lines share stderr, so the message is matched as a line of it.
      assert.match(run.stderr, new RegExp(`^toolgate: --grant: no active grant is labelled "${label}"$`, 'm'));
    }
  });

  test('TOOLGATE_GRANT names the grant as --grant does', async () => {
    const client = await stdioClient([], { TOOLGATE_GRANT: 'alice' });
    try {
      await reachesOnlyFixture(client);
    } finally {
      await client.close();
    }
    const revoked = toolgate(['stdio', '--config', config], { TOOLGATE_GRANT: 'gone' });
    assert.equal(revoked.status, 2);
    assert.match(revoked.stderr, /--grant: no active grant is labelled "gone"/);
  });
});

describe('toolgate admin token', () => {
  const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

  test('--json prints a new tga_ token and its SHA-256', () => {
    const run = toolgate(['admin', 'token', '--json']);
    assert.equal(run.status, 0, run.stderr);
    const { token, token_sha256, ...rest } = JSON.parse(run.stdout) as { token: string; token_sha256: string };
    assert.deepEqual(rest, {});
    assert.match(token, /^tga_[0-9A-Za-z]{43}$/);
    assert.equal(token_sha256, sha256(token));
    assert.notEqual((JSON.parse(toolgate(['admin', 'token', '--json']).stdout) as { token: string }).token, token);
  });

  test('without --json: the token on stdout, the configuration lines with its hash on stderr', () => {
    const run = toolgate(['admin', 'token']);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^tga_\S+\n$/);
    assert.ok(run.stderr.includes(`admin:\n  token_sha256: ${sha256(run.stdout.trim())}\n`), run.stderr);
  });

  test('--label: the lines of a labelled admin, which the configuration accepts as they are; --json names the label', () => {
    const run = toolgate(['admin', 'token', '--label', 'alice']);
    assert.equal(run.status, 0, run.stderr);
    const lines = run.stderr.slice(run.stderr.indexOf('admin:'));
    assert.deepEqual(parseYaml(lines), { admin: { tokens: [{ label: 'alice', sha256: sha256(run.stdout.trim()) }] } });
    assert.deepEqual(adminCredentials(configSchema.parse({ ...(parseYaml(lines) as object), servers: { fixture } }).admin), [{ label: 'alice', sha256: sha256(run.stdout.trim()) }]);
    const json = JSON.parse(toolgate(['admin', 'token', '--label', 'bob@example.com', '--json']).stdout) as { token: string; label: string; sha256: string };
    assert.deepEqual([json.label, json.sha256], ['bob@example.com', sha256(json.token)]);
    const refused = toolgate(['admin', 'token', '--label', 'group:finance']);
    assert.equal(refused.status, 2, 'a label that is no approver name is a usage error');
    assert.match(refused.stderr, /--label: expected a label of letters/);
  });

  test('a gateway configured with its hash answers /admin/grants to it, and 401 to a grant token', async () => {
    const admin = JSON.parse(toolgate(['admin', 'token', '--json']).stdout) as { token: string; token_sha256: string };
    const config = writeConfig('admin', { auth: 'grants', admin: { token_sha256: admin.token_sha256 }, servers: { fixture } });
    const { token } = createGrant(config, 'agent', '--all-servers');
    const served = await serve(config);
    try {
      const url = new URL('/admin/grants', served.url);
      const listed = await fetch(url, { headers: { authorization: `Bearer ${admin.token}` } });
      assert.equal(listed.status, 200);
      const text = await listed.text();
      assert.deepEqual((JSON.parse(text) as { grants: GrantView[] }).grants.map((g) => g.label), ['agent']);
      assert.ok(!text.includes(token) && !text.includes(admin.token));

      const refused = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(refused.status, 401);
      await refused.body?.cancel();
    } finally {
      await stop(served.child);
    }
  });
});

describe('toolgate serve with auth: jwt', () => {
  const ISSUER = 'https://idp.example.test/';
  const AUDIENCE = 'toolgate';
  let keys: Awaited<ReturnType<typeof generateKeyPair>>;
  // The identity provider: a real HTTP server publishing one ES256 key, which the gateway fetches.
  let jwks = '';
  const idp = createServer((request, response) => {
    if (request.url !== '/jwks') return void response.writeHead(404).end();
    response.writeHead(200, { 'content-type': 'application/json' }).end(jwks);
  });
  let config: string;
  let served: Served;

  before(async () => {
    keys = await generateKeyPair('ES256');
    jwks = JSON.stringify({ keys: [{ ...(await exportJWK(keys.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }] });
    await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
    const jwksUrl = `http://127.0.0.1:${(idp.address() as AddressInfo).port}/jwks`;
    config = writeConfig('jwt', { auth: 'jwt', jwt: { issuer: ISSUER, audience: AUDIENCE, jwks_url: jwksUrl }, servers: { fixture } });
    served = await serve(config);
  });
  after(async () => {
    if (served) await stop(served.child);
    idp.closeAllConnections();
    await new Promise<void>((resolve) => idp.close(() => resolve()));
  });

  const sign = (subject: string, audience = AUDIENCE) =>
    new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuer(ISSUER).setAudience(audience).setSubject(subject).setExpirationTime('5m').sign(keys.privateKey);

  test('a token signed by the identity provider calls a tool, with no grant created', async () => {
    const client = await connect(served.servers.fixture!, await sign('sso-user'));
    try {
      assert.deepEqual(await echo(client, 'signed in'), [{ type: 'text', text: 'signed in' }]);
    } finally {
      await client.close();
    }
  });

  test('a token for another audience: 401 saying so', async () => {
    const token = await sign('sso-user', 'another-gateway');
    await assert.rejects(connect(served.servers.fixture!, token), unauthorized);
    const response = await initialize(served.url, { authorization: `Bearer ${token}` });
    assert.equal(response.status, 401);
    assert.match(response.headers.get('www-authenticate') ?? '', /error="invalid_token", error_description="the token is for another audience"/);
  });

  test('grant revoke of a user’s label keeps them out though their SSO token still verifies', async () => {
    createGrant(config, 'leaver', '--all-servers');
    const token = await sign('leaver');
    const client = await connect(served.url, token);
    try {
      assert.deepEqual(await echo(client, 'still here', 'fixture__echo'), [{ type: 'text', text: 'still here' }]);
      revokeGrant(config, 'leaver');
      await assert.rejects(echo(client, 'gone', 'fixture__echo'), unauthorized);
    } finally {
      await client.close().catch(() => {});
    }
  });

  test('auth: jwt without a jwt block: exit 2 naming /jwt', () => {
    const bad = writeConfig('jwt-missing', { auth: 'jwt', servers: { fixture } });
    const run = toolgate(['serve', '--config', bad, '--port', '0']);
    assert.equal(run.status, 2);
    assert.ok(run.stderr.includes(`${bad}: /jwt: auth: jwt needs jwt: { issuer, audience, jwks_url }`), run.stderr);
  });
});
