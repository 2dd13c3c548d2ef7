import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CONFORMANCE_SERVER = join(root, 'test', 'conformance', 'conformance-server.ts');

/** The conformance fixture served over Streamable HTTP by a child process. */
export interface HttpFixture {
  url: string;
  child: ChildProcess;
  close(): void;
}

/**
 * Starts test/conformance/conformance-server.ts over HTTP (`--eras dual|modern|legacy`, on `port`, 0 for any) and
 * resolves once it prints the `listening <url>` line; its stderr goes to `stderr` when given.
 */
export async function startHttpFixture(eras: 'dual' | 'modern' | 'legacy', stderr?: NodeJS.WritableStream, timeoutMs = 30_000, port = 0): Promise<HttpFixture> {
  const args = ['--import', 'tsx', CONFORMANCE_SERVER, '--http', '--eras', eras, '--port', String(port)];
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  if (stderr) child.stderr.pipe(stderr);
  else child.stderr.resume();
  const url = await new Promise<string | undefined>((resolve) => {
    const timer = setTimeout(() => resolve(undefined), timeoutMs);
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const listening = /^listening (\S+)$/m.exec(output)?.[1];
      if (listening) {
        clearTimeout(timer);
        resolve(listening);
      }
    });
    child.once('exit', () => resolve(undefined));
  });
  if (!url) {
    child.kill();
    throw new Error(`the ${eras} HTTP conformance fixture did not start within ${timeoutMs} ms`);
  }
  return { url, child, close: () => void child.kill() };
}
