import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';

/**
 * docs/getting-started.md, run as written: its files in a fresh folder, `toolgate stdio` started there as a client
 * starts it, and what the agent sees compared line by line with the page.
 */
const page = readFileSync('docs/getting-started.md', 'utf8');

/** The page's fenced blocks by the name after the language (```yaml toolgate.yaml). */
function block(name: string): string {
  const found = new RegExp(`^\`\`\`\\w+ ${name.replace('.', '\\.')}\\n([\\s\\S]*?)^\`\`\`$`, 'm').exec(page);
  assert.ok(found, `docs/getting-started.md has a block named ${name}`);
  return found[1]!;
}

/** `tool {args} → answer`, where `…` in the answer stands for any text. */
function expectations(): { tool: string; args?: Record<string, unknown>; answer: string }[] {
  return block('what-the-agent-sees')
    .trim()
    .split('\n')
    .map((line) => {
      const [call, answer] = line.split(' → ') as [string, string];
      const space = call.indexOf(' ');
      return space < 0 ? { tool: call, answer } : { tool: call.slice(0, space), args: JSON.parse(call.slice(space + 1)) as Record<string, unknown>, answer };
    });
}

function matches(text: string, answer: string): boolean {
  const pattern = answer.split('…').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  return new RegExp(`^${pattern}$`, 's').test(text.trim());
}

describe('docs/getting-started.md', () => {
  // Inside the project, so `npx -y @modelcontextprotocol/server-filesystem` finds the installed dev dependency
  // instead of the registry, as it would find a cached one on a user's machine.
  mkdirSync('node_modules/.cache', { recursive: true });
  const folder = mkdtempSync(resolve('node_modules/.cache/getting-started-'));
  after(() => rmSync(folder, { recursive: true, force: true }));
  mkdirSync(join(folder, 'notes'));
  writeFileSync(join(folder, 'notes', 'todo.md'), 'buy milk\n');
  writeFileSync(join(folder, 'toolgate.yaml'), block('toolgate.yaml'));
  writeFileSync(join(folder, 'files-policy.json'), block('files-policy.json'));

  test('the agent sees what the page shows', async () => {
    const client = new Client({ name: 'getting-started', version: '1' });
    const cli = [process.execPath, '--import', import.meta.resolve('tsx'), resolve('src/cli/main.ts')];
    await client.connect(new StdioClientTransport({ command: cli[0]!, args: [...cli.slice(1), 'stdio', '--config', 'toolgate.yaml'], cwd: folder, stderr: 'ignore' }));
    try {
      const expected = expectations();
      const [listing, ...calls] = expected;
      assert.equal(listing!.tool, 'tools/list');
      const names = (await client.listTools()).tools.map((tool) => tool.name).sort();
      assert.deepEqual(names, listing!.answer.split(', '));
      for (const { tool, args, answer } of calls) {
        const result = await client.callTool({ name: tool, arguments: args });
        const text = (result.content as { type: string; text: string }[]).map((part) => part.text).join('\n');
        assert.ok(matches(text, answer), `${tool} ${JSON.stringify(args)}: the page says "${answer}", the agent got "${text}"`);
      }
      // The page's sixth write within the minute; one was written above.
      const limit = /the sixth write within a minute is answered\n`([^`]+)`/.exec(page);
      assert.ok(limit, 'the page shows the answer to the sixth write');
      const answers = [];
      for (let i = 0; i < 5; i++) answers.push(await client.callTool({ name: 'write_file', arguments: { path: `n${i}.md`, content: 'x' } }));
      const texts = answers.map((result) => (result.content as { text: string }[])[0]!.text);
      assert.ok(texts.slice(0, 4).every((text) => text.startsWith('Successfully wrote')), `writes two to five pass: ${texts.join(' | ')}`);
      assert.ok(matches(texts[4]!, limit[1]!), `the sixth write: the page says "${limit[1]}", the agent got "${texts[4]}"`);
    } finally {
      await client.close();
    }
  });
});
