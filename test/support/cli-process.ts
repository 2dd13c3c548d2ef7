import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createInterface } from 'node:readline';

/** A long-running `toolgate` command (serve, demo) that prints one JSON line when it is ready. */
export interface CliProcess<T> {
  /** The first line it printed, parsed. */
  readonly first: T;
  readonly child: ChildProcess;
  /** How it ended: its exit code, or the signal that ended it. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** What it wrote to stderr so far (its log). */
  stderr(): string;
  /** Sends SIGTERM (unless it has ended) and waits for the process to end. */
  stop(): Promise<void>;
}

/**
 * Runs `command args…` and waits for its first line on stdout; stderr is kept, to say why when it ends before
 * printing one.
 */
export async function startCli<T>(command: string, args: readonly string[], options: SpawnOptions = {}): Promise<CliProcess<T>> {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  const first = createInterface({ input: child.stdout! })[Symbol.asyncIterator]().next();
  const line = await Promise.race([first.then(({ value }) => value as string | undefined), exited.then(() => undefined)]);
  if (line === undefined) {
    await stop();
    throw new Error(`${[command, ...args].join(' ')} ended before printing its first line (exit ${child.exitCode ?? child.signalCode}):\n${stderr}`);
  }
  return { first: JSON.parse(line) as T, child, exited, stderr: () => stderr, stop };
}

/** `toolgate serve --config F --port 0 --json`, from the source, with what it printed (its URLs). */
export function startServe(config: string, env: NodeJS.ProcessEnv = process.env): Promise<CliProcess<{ url: string; servers: Record<string, string> }>> {
  return startCli(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--config', config, '--port', '0', '--json'], { env });
}
