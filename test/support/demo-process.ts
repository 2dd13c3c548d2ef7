import type { SpawnOptions } from 'node:child_process';
import { startCli } from './cli-process.js';

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
 * `demo`) and waits for its first line.
 */
export async function startDemo(command: string, args: readonly string[], options: SpawnOptions = {}, flags: readonly string[] = []): Promise<DemoProcess> {
  const demo = await startCli<DemoUrls>(command, [...args, 'demo', '--port', '0', '--json', ...flags], options);
  return { urls: demo.first, stop: demo.stop };
}
