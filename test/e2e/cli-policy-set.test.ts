import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@modelcontextprotocol/client';
import type { PolicyEntry } from '../../src/audit/audit-record.js';
import { FIXTURE, httpClient, startGateway, until, type RunningGateway } from './harness.js';

/**
 * `toolgate policy set | versions | rollback` as an operator runs them, on the policy file of a gateway that is
 * running: the change reaches the gateway through its file watcher, and each is in the audit log as the OS user.
 */

const CLI = [process.execPath, '--import', 'tsx', 'src/cli/main.ts'] as const;
const dir = mkdtempSync(join(tmpdir(), 'toolgate-policy-set-'));
const policyFile = join(dir, 'fixture.json');
const original = `${JSON.stringify({ version: '1', default: 'deny', tools: { echo: {} } }, null, 2)}\n`;
writeFileSync(policyFile, original);
const config = join(dir, 'toolgate.yaml');
writeFileSync(
  config,
  ['store: sqlite:./toolgate.db', 'servers:', '  fixture:', '    command: node', '    policy: ./fixture.json', '  inline:', '    command: node', '    policy: { version: "1", default: allow }', ''].join('\n'),
);
const run = (...args: string[]) => spawnSync(CLI[0], [...CLI.slice(1), ...args, '--config', config], { encoding: 'utf8', timeout: 60_000 });

let gateway: RunningGateway;
let client: Client;

before(async () => {
  gateway = await startGateway({ fixture: { ...FIXTURE, policy: policyFile } });
  client = await httpClient(gateway.url('fixture'));
});

after(async () => {
  await client?.close();
  await gateway?.close();
});

const echoRefused = async () => ((await client.callTool({ name: 'echo', arguments: { message: 'hi' } })) as { isError?: boolean }).isError === true;

describe('toolgate policy set, versions and rollback', () => {
  test('set --deny writes the rule, keeps the old file as version 1, and the running gateway refuses the next calls', async () => {
    assert.equal(await echoRefused(), false);
    const result = run('policy', 'set', 'fixture', 'echo', '--deny', 'Echo is paused.', '--json');
    assert.equal(result.status, 0, result.stderr);
    const written = JSON.parse(result.stdout) as { version: string; previous: string; kept: number };
    assert.equal(written.kept, 1);
    assert.deepEqual(JSON.parse(readFileSync(policyFile, 'utf8')).tools.echo, { deny: true, on_deny: 'Echo is paused.' });
    let refused = false;
    const deadline = Date.now() + 5_000;
    while (!refused && Date.now() < deadline) refused = await echoRefused();
    assert.ok(refused, 'the gateway picked the change up through its watcher');
    await until(() => gateway.gateway.admission.policy('fixture')?.compiled.version === written.version, 1_000, 'the written version in force');
  });

  test('versions lists what was kept, newest first', () => {
    const result = run('policy', 'versions', 'fixture');
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^1 {2}\S+Z {2}[0-9a-f]{12} {2}canonical$/m);
  });

  test('an invalid change exits 1 with the pointer, and a usage mistake exits 2; neither touches the file', () => {
    const before = readFileSync(policyFile, 'utf8');
    const invalid = run('policy', 'set', 'fixture', 'echo', '--limit', 'echoes:minutes:5');
    assert.equal(invalid.status, 1, invalid.stderr);
    assert.match(invalid.stderr, /fixture\.json: \/tools\/echo\/limits\/0\/window: "minutes" is not a window/);
    for (const args of [['--limit', 'echoes'], ['--limit', 'echoes:minute:many'], [], ['--allow', '--approval']]) {
      const usage = run('policy', 'set', 'fixture', 'echo', ...args);
      assert.equal(usage.status, 2, `${args.join(' ')}: ${usage.stderr}`);
    }
    const inline = run('policy', 'set', 'inline', 'echo', '--allow');
    assert.equal(inline.status, 2);
    assert.match(inline.stderr, /the policy of "inline" is written inline/);
    assert.equal(run('policy', 'rollback', 'fixture', '--to', '99').status, 2);
    assert.equal(readFileSync(policyFile, 'utf8'), before);
  });

  test('rollback restores the original byte for byte, and the gateway allows the calls again', async () => {
    const result = run('policy', 'rollback', 'fixture');
    assert.equal(result.status, 0, result.stderr);
    assert.equal(readFileSync(policyFile, 'utf8'), original);
    let allowed = false;
    const deadline = Date.now() + 5_000;
    while (!allowed && Date.now() < deadline) allowed = !(await echoRefused());
    assert.ok(allowed, 'echo is allowed again');
  });

  test('each change is in the audit log as cli:<OS user>, and audit tail shows it', () => {
    const tail = run('audit', 'tail', '--server', 'fixture', '--json');
    assert.equal(tail.status, 0, tail.stderr);
    const changes = tail.stdout.trim().split('\n').map((line) => (JSON.parse(line) as { policy?: PolicyEntry }).policy).filter((entry) => entry !== undefined);
    const by = `cli:${userInfo().username}`;
    assert.deepEqual(changes.map(({ event, tool, rule }) => [event, tool, rule]), [['set', 'echo', 'deny'], ['rolled_back', undefined, undefined]]);
    assert.ok(changes.every((entry) => entry.by === by), `each by ${by}`);
    assert.equal(changes[1]!.version, changes[0]!.previous, 'the rollback went back to the version the set replaced');
    const human = run('audit', 'tail', '--server', 'fixture');
    assert.match(human.stdout, new RegExp(`fixture {2}tool echo {2}policy set deny by ${by} {2}[0-9a-f]{12} → [0-9a-f]{12}`));
  });
});
