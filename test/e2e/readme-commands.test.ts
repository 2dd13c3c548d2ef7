import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { startDemo, type DemoProcess } from '../support/demo-process.js';

/**
 * The Inspector commands the README's Quick start gives, run as written against `toolgate demo`: only the address is
 * changed (to the port the demo got), and Inspector is the project's pinned devDependency, not fetched.
 */

const run = promisify(execFile);
const README = readFileSync('README.md', 'utf8');
const DEMO_ADDRESS = 'http://127.0.0.1:7420';
const INSPECTOR_VERSION = (JSON.parse(readFileSync('package.json', 'utf8')) as { devDependencies: Record<string, string> }).devDependencies['@modelcontextprotocol/inspector'];
const INSPECTOR_BIN = resolve('node_modules/.bin/mcp-inspector');

/** The lines of the README's ```sh blocks that run the Inspector: a command each, with its comment cut off. */
function inspectorCommands(markdown: string): string[][] {
  const blocks = [...markdown.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((match) => match[1]!);
  return blocks
    .flatMap((block) => block.split('\n'))
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter((line) => line.startsWith('npx @modelcontextprotocol/inspector'))
    .map((line) => line.split(/\s+/));
}

function option(words: readonly string[], name: string): string | undefined {
  const at = words.indexOf(name);
  return at === -1 ? undefined : words[at + 1];
}

const commands = inspectorCommands(README);

describe('the README\'s Inspector commands, against toolgate demo', () => {
  let demo: DemoProcess;
  before(async () => {
    demo = await startDemo(process.execPath, ['--import', 'tsx', 'src/cli/main.ts']);
  });
  after(() => demo.stop());

  test('the README gives a tools/list, a denied tools/call and a held one, with the Inspector version the project pins', () => {
    assert.deepEqual(commands.map((words) => `${option(words, '--method')} ${option(words, '--tool-name') ?? ''}`.trim()), [
      'tools/list',
      `tools/call ${demo.urls.denied}`,
      `tools/call ${demo.urls.held}`,
    ]);
    for (const words of commands) assert.equal(words[1], `@modelcontextprotocol/inspector@${INSPECTOR_VERSION}`, 'the README pins the Inspector that runs on Node 20');
  });

  for (const words of commands) {
    test(words.slice(2).join(' '), async () => {
      // The Inspector's command line posts to a URL's /mcp whatever its path: the README gives it the aggregate.
      assert.ok(words.includes(`${DEMO_ADDRESS}/mcp`), `the command addresses the demo's aggregated endpoint at ${DEMO_ADDRESS}`);
      const args = words.slice(2).map((word) => word.replace(DEMO_ADDRESS, new URL(demo.urls.url).origin));
      const { stdout } = await run(INSPECTOR_BIN, args, { timeout: 60_000 });
      const answer = JSON.parse(stdout) as { tools?: Array<{ name: string }>; content?: Array<{ text: string }>; isError?: boolean };
      const text = answer.content?.[0]?.text ?? '';
      if (option(words, '--method') === 'tools/list') {
        const listed = answer.tools?.map((tool) => tool.name) ?? [];
        assert.ok(listed.includes(demo.urls.allowed) && listed.includes(demo.urls.held), `the policies list SmartLead's one allowed tool and the payments tools: ${listed.join(', ')}`);
        assert.ok(!listed.includes(demo.urls.denied) && !listed.includes('payments_delete_customer'), 'a tool left out or hidden is not listed');
      } else if (option(words, '--tool-name') === demo.urls.held) {
        assert.equal(answer.isError, true, 'a held call is answered at once, as a tool error the agent can read');
        assert.match(text, new RegExp(`^\\[APPROVAL PENDING\\] Tool "${demo.urls.held}" needs a person's approval`));
      } else {
        assert.equal(answer.isError, true, 'a denied call is a tool error');
        assert.match(text, new RegExp(`^\\[POLICY DENIED\\] Tool "${demo.urls.denied}" is not permitted by policy`));
      }
    });
  }
});
