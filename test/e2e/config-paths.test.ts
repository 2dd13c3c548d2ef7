import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { MEMORY } from './harness.js';

/** Relative paths in a configuration, and a server that will not start, as a user meets them from any folder. */

const CLI = [process.execPath, '--import', import.meta.resolve('tsx'), resolve('src/cli/main.ts')];
const root = mkdtempSync(join(tmpdir(), 'toolgate-paths-'));
const project = join(root, 'project');
const elsewhere = join(root, 'elsewhere');
mkdirSync(join(project, 'servers'), { recursive: true });
mkdirSync(elsewhere);

test("a stdio server's relative script resolves against the configuration's folder, wherever the gateway starts", async () => {
  // The real memory server, started by a script the configuration names relative to itself.
  writeFileSync(join(project, 'servers', 'memory.mjs'), `import ${JSON.stringify(pathToFileURL(MEMORY.args[0]!).href)};\n`);
  const config = join(project, 'toolgate.yaml');
  writeFileSync(config, `servers:\n  memory:\n    command: node\n    args: [./servers/memory.mjs]\n    policy: { version: "1", default: allow }\nstore: memory\n`);
  const client = new Client({ name: 'paths-test', version: '1' });
  await client.connect(new StdioClientTransport({ command: CLI[0]!, args: [...CLI.slice(1), 'stdio', '--config', config, '--server', 'memory'], cwd: elsewhere, stderr: 'ignore' }));
  try {
    const { tools } = await client.listTools();
    assert.ok(tools.some((tool) => tool.name === 'create_entities'), `the memory server's tools, listed from ${elsewhere}: ${tools.map((t) => t.name).join(', ')}`);
  } finally {
    await client.close();
  }
});

test('a server that exits is logged at warn with its exit code and its last lines on stderr', async () => {
  const config = join(project, 'dying.yaml');
  const script = 'console.error("starting"); console.error("error: MEMORY_FILE_PATH is not writable"); process.exit(3)';
  writeFileSync(config, `servers:\n  dying:\n    command: node\n    args: ["-e", ${JSON.stringify(script)}]\n    policy: { version: "1", default: allow }\nstore: memory\n`);
  const child = spawn(CLI[0]!, [...CLI.slice(1), 'serve', '--config', config, '--port', '0'], { cwd: elsewhere, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  try {
    await new Promise<void>((done, fail) => {
      const timer = setTimeout(() => fail(new Error(`no warning about the exit within 20 s; stderr:\n${stderr}`)), 20_000);
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (/exited with code 3/.test(stderr) && /is not writable/.test(stderr)) {
          clearTimeout(timer);
          done();
        }
      });
    });
    const line = stderr.split('\n').find((l) => l.includes('exited with code 3'))!;
    assert.match(line, /WARN|"level":40/, `logged at warn: ${line}`);
    assert.match(line, /starting \| error: MEMORY_FILE_PATH is not writable/, `the last lines, in order, on the warning: ${line}`);
  } finally {
    child.kill('SIGTERM');
  }
});
