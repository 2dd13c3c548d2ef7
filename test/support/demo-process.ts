import { spawn, type SpawnOptions } from 'node:child_process';
import { createInterface } from 'node:readline';

/** What `toolgate demo --json` prints on its first line. */
export interface DemoUrls {
  url: string;
  servers: Record<string, string>;
  allowed: string;
  denied: string;
  /** The tool that waits for a person's approval. */
  held: string;
  /** The web console, and the admin token that signs in there (minted for the demo's lifetime). */
  console?: string;
  adminToken: string;
  /** With --grants: the grant made, and its token. */
  grant?: string;
  token?: string;
}

export interface DemoProcess {
  readonly urls: DemoUrls;
  /** Sends SIGTERM and waits for the process to end. */
  stop(): Promise<void>;
}

/**
 * Runs `toolgate demo --port 0 --json [flags]` by the given command line (the command and the arguments before
 * `demo`) and waits for its first line; stderr is kept, to say why when it ends before printing one.
 */
export async function startDemo(command: string, args: readonly string[], options: SpawnOptions = {}, flags: readonly string[] = []): Promise<DemoProcess> {
  const child = spawn(command, [...args, 'demo', '--port', '0', '--json', ...flags], { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  const first = createInterface({ input: child.stdout! })[Symbol.asyncIterator]().next();
  const line = await Promise.race([first.then(({ value }) => value as string | undefined), exited.then(() => undefined)]);
  if (line === undefined) {
    await stop();
    throw new Error(`toolgate demo ended before printing its URLs (exit ${child.exitCode ?? child.signalCode}):\n${stderr}`);
  }
  return { urls: JSON.parse(line) as DemoUrls, stop };
}
