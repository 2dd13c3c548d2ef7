import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { WrittenPolicy } from '../../src/cli/init.js';
import type { PolicyDocument } from '../../src/policy/schema.js';
import { DEMO, EVERYTHING, FIXTURE, httpClient, MEMORY, startGateway, type RunningGateway } from './harness.js';

/** `toolgate init`, as an operator runs it, against real servers from npm, the demo server and one that is down. */

const CLI = [process.execPath, '--import', 'tsx', 'src/cli/main.ts'] as const;
const run = (...args: string[]) => spawnSync(CLI[0], [...CLI.slice(1), ...args], { encoding: 'utf8', timeout: 60_000 });
const dir = mkdtempSync(join(tmpdir(), 'toolgate-init-'));
const memoryFile = join(dir, 'memory.jsonl');

/** A server entry in YAML, spawned from this checkout whatever the configuration's directory. */
const entry = (name: string, server: { command: string; args: string[] }, extra = '') =>
  `  ${name}:\n    command: ${JSON.stringify(server.command)}\n    args: ${JSON.stringify(server.args)}\n    cwd: ${JSON.stringify(process.cwd())}\n${extra}`;

function config(name: string, ...entries: string[]): string {
  const file = join(dir, name);
  writeFileSync(file, `servers:\n${entries.join('')}`);
  return file;
}

const read = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as PolicyDocument;

describe('on server-everything and server-memory, with a server that is down', () => {
  const file = config(
    'toolgate.yaml',
    entry('everything', EVERYTHING),
    entry('memory', MEMORY, `    env: { MEMORY_FILE_PATH: ${JSON.stringify(memoryFile)} }\n`),
    '  down:\n    url: http://127.0.0.1:9/mcp\n',
  );
  const out = join(dir, 'policies');
  let result: ReturnType<typeof run>;
  let gateway: RunningGateway;

  before(async () => {
    result = run('init', '--config', file, '--json');
    gateway = await startGateway({
      everything: { ...EVERYTHING, policy: join(out, 'everything.json') },
      memory: { ...MEMORY, env: { MEMORY_FILE_PATH: memoryFile }, policy: join(out, 'memory.json') },
    });
  });

  after(async () => {
    await gateway?.close();
  });

  test('exit 1 names the server that could not be listed, and the others are still written, beside the configuration', () => {
    assert.equal(result.status, 1, result.stderr);
    assert.match(result.stderr, /server "down" could not be listed, so no policy was written for it: .*ECONNREFUSED/);
    const summary = JSON.parse(result.stdout) as { written: WrittenPolicy[]; failed: { server: string; error: string }[] };
    assert.deepEqual(
      summary.written.map((w) => [w.server, w.file, w.policy]),
      [
        ['everything', join(out, 'everything.json'), './policies/everything.json'],
        ['memory', join(out, 'memory.json'), './policies/memory.json'],
      ],
    );
    // read_graph, search_nodes, open_nodes allowed; create_entities, create_relations, add_observations limited; delete_* hidden.
    assert.deepEqual(summary.written[1]!.effects, { allow: 3, limit: 3, approval: 0, hide: 3, 'per-operation': 0 });
    assert.deepEqual(summary.failed.map((f) => f.server), ['down']);
    assert.ok(!existsSync(join(out, 'down.json')), 'nothing is written for a server that was not listed');
  });

  test('what it writes passes policy check, with no warning against the tools the server offers', () => {
    for (const server of ['everything', 'memory']) {
      const check = run('policy', 'check', join(out, `${server}.json`), '--config', file, '--server', server, '--json');
      assert.equal(check.status, 0, check.stderr);
      assert.deepEqual((JSON.parse(check.stdout) as { valid: boolean; warnings: unknown[] }).warnings, [], `${server}: no warnings`);
    }
  });

  test('every rule says its class, severity and why; hidden tools are said in the policy\'s description', () => {
    const memory = read(join(out, 'memory.json'));
    assert.equal(memory.tools!.read_graph!.description, "Read, Low: name begins with the verb 'read'");
    assert.deepEqual(memory.hide, ['delete_entities', 'delete_observations', 'delete_relations']);
    assert.match(memory.description!, /\n- delete_entities: Destructive, High: name begins with the verb 'delete'/);
  });

  test('in front of server-everything the gateway lets its reads through', async () => {
    const client = await httpClient(gateway.url('everything'));
    try {
      const names = (await client.listTools()).tools.map((t) => t.name);
      assert.ok(names.includes('echo') && names.includes('get-sum'), `reads are listed: ${names.join(', ')}`);
      assert.deepEqual((await client.callTool({ name: 'echo', arguments: { message: 'through init' } })).content, [{ type: 'text', text: 'Echo: through init' }]);
      const sum = await client.callTool({ name: 'get-sum', arguments: { a: 2, b: 3 } });
      assert.equal(sum.isError, undefined, JSON.stringify(sum));
    } finally {
      await client.close();
    }
  });

  test('in front of server-memory its destructive tools are neither listed nor callable, and its reads and writes are', async () => {
    const client = await httpClient(gateway.url('memory'));
    try {
      const names = (await client.listTools()).tools.map((t) => t.name).sort();
      assert.deepEqual(names, ['add_observations', 'create_entities', 'create_relations', 'open_nodes', 'read_graph', 'search_nodes']);
      const refused = await client.callTool({ name: 'delete_entities', arguments: { entityNames: ['x'] } });
      assert.deepEqual([refused.isError, (refused.content as { text: string }[])[0]!.text], [true, '[POLICY DENIED] Tool "delete_entities" is not permitted by policy']);
      const created = await client.callTool({ name: 'create_entities', arguments: { entities: [{ name: 'init', entityType: 'test', observations: [] }] } });
      assert.equal(created.isError, undefined, JSON.stringify(created));
      const graph = await client.callTool({ name: 'read_graph', arguments: {} });
      assert.match((graph.content as { text: string }[])[0]!.text, /"name": ?"init"/);
    } finally {
      await client.close();
    }
  });
});

describe('on the demo server', () => {
  const file = config('demo.yaml', entry('smartlead', DEMO));
  const out = join(dir, 'demo-policies');
  const written = join(out, 'smartlead.json');

  test('it writes the reference rule for smartlead_create_client_api_key, byte for byte, over all 116 tools', () => {
    const result = run('init', '--config', file, '--out', out);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^wrote .*smartlead\.json: 116 tools \(.*hidden\)\n {2}in .*demo\.yaml, under servers\.smartlead: {2}policy: \.\/demo-policies\/smartlead\.json\n$/);
    const policy = read(written);
    const rule = policy.tools!.smartlead_create_client_api_key!;
    assert.deepEqual(Object.keys(rule), ['description', 'limits']);
    const reference = readFileSync('examples/demo/smartlead-policy.json', 'utf8');
    assert.ok(reference.includes(`"smartlead_create_client_api_key":{"limits":${JSON.stringify(rule.limits)}}`), `the reference holds ${JSON.stringify(rule.limits)}`);
    assert.match(rule.description!, /^Write, High: /);
    assert.equal(Object.keys(policy.tools!).length + policy.hide!.length, 116);
    assert.ok(policy.hide!.includes('smartlead_delete_campaign'), 'the destructive tools are hidden');
  });

  test('an existing file is not overwritten without --force: exit 2, and the file is as it was', () => {
    writeFileSync(written, '{"edited": "by hand"}');
    const refused = run('init', '--config', file, '--out', out);
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /smartlead\.json already exists; --force overwrites/);
    assert.equal(readFileSync(written, 'utf8'), '{"edited": "by hand"}');
    const forced = run('init', '--config', file, '--out', out, '--force');
    assert.equal(forced.status, 0, forced.stderr);
    assert.equal(read(written).default, 'deny');
  });
});

test('serve names each server without a policy and the init command that writes one; that command works', async () => {
  const file = config('serve.yaml', entry('bare', FIXTURE), entry('governed', FIXTURE, '    policy: { version: "1", default: allow }\n'));
  const child = spawn(CLI[0], [...CLI.slice(1), 'serve', '--config', file, '--port', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  try {
    const hint = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no hint within 20 s; stderr: ${stderr}`)), 20_000);
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const line = stderr.split('\n').find((l) => l.includes('has no policy'));
        if (line) {
          clearTimeout(timer);
          resolve(line);
        }
      });
    });
    const logged = JSON.parse(hint) as { server: string; msg: string };
    assert.equal(logged.server, 'bare');
    assert.equal(logged.msg, `bare has no policy: it lists no tools and denies every call; toolgate init --config ${file} --server bare writes a starting one`);
    assert.ok(!stderr.includes('governed has no policy'), 'a server with a policy gets no hint');
    const [, args] = /toolgate (init .*) writes/.exec(logged.msg)!;
    const init = run(...args!.split(' '));
    assert.equal(init.status, 0, init.stderr);
    assert.equal(read(join(dir, 'policies', 'bare.json')).default, 'deny');
  } finally {
    child.kill('SIGTERM');
  }
});
