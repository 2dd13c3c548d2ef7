import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FIXTURE } from './harness.js';

/** `toolgate serve` on an address it cannot listen on, run as a user runs it. */

const CLI = [process.execPath, '--import', 'tsx', 'src/cli/main.ts'] as const;
const dir = mkdtempSync(join(tmpdir(), 'toolgate-cli-listen-'));
const config = join(dir, 'toolgate.yaml');
writeFileSync(config, JSON.stringify({ servers: { fixture: { ...FIXTURE, cwd: process.cwd(), policy: { version: '1', default: 'allow' } } } }));

function serve(...options: string[]) {
  return spawnSync(CLI[0], [...CLI.slice(1), 'serve', '--config', config, ...options], { encoding: 'utf8', timeout: 60_000 });
}

/** The last line on stderr: the log lines before it are JSON, one a line. */
const lastLine = (stderr: string) => stderr.trimEnd().split('\n').at(-1);

test('a port already taken: exit 3, one sentence saying what to change, no stack trace', async () => {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const { port } = taken.address() as AddressInfo;
  try {
    const run = serve('--port', String(port));
    assert.equal(run.status, 3, run.stderr);
    assert.equal(lastLine(run.stderr), `toolgate: 127.0.0.1:${port} is already in use (another toolgate?): stop it, or pick another port with --port PORT or listen: in the configuration`);
    assert.ok(!/^\s+at /m.test(run.stderr), `no stack trace: ${run.stderr}`);
    assert.equal(run.stdout, '');
  } finally {
    await new Promise<void>((resolve) => taken.close(() => resolve()));
  }
});

test('an address that is not this machine’s: exit 3, saying to pick one it has', () => {
  // 192.0.2.0/24 is TEST-NET-1 (RFC 5737): on no machine's interfaces.
  const run = serve('--host', '192.0.2.1', '--port', '7420');
  assert.equal(run.status, 3, run.stderr);
  assert.equal(
    lastLine(run.stderr),
    'toolgate: 192.0.2.1:7420 cannot be listened on: 192.0.2.1 is not an address of this machine; pick one it has (127.0.0.1 for this machine only, 0.0.0.0 for every interface) with --host HOST or listen: in the configuration',
  );
  assert.ok(!/^\s+at /m.test(run.stderr), `no stack trace: ${run.stderr}`);
});
