import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import type { JSONRPCMessage } from '../protocol/jsonrpc.js';
import type { StdioServerConfig } from '../config/schema.js';
import type { UpstreamTransport } from './transport.js';

/**
 * Newline-delimited JSON-RPC over a child process's stdin/stdout.
 *
 * Written here rather than using the SDK's StdioClientTransport because that one validates every incoming
 * message against the full JSON-RPC zod schema; on the per-call path the gateway only needs JSON.parse
 * (routing reads `id` and `method`; bodies are forwarded untouched).
 */
export class StdioTransport implements UpstreamTransport {
  onmessage?: (message: JSONRPCMessage) => void;
  onclose?: (reason: string) => void;
  onstderr?: (line: string) => void;

  private child?: ChildProcessWithoutNullStreams;
  private pending = '';
  private closedReason?: string;
  private corked = false;

  constructor(private readonly server: StdioServerConfig) {}

  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      // Only a safe subset of the gateway's environment is inherited (PATH, HOME, …): the gateway's own
      // secrets never reach an upstream unless the server entry names them in `env`.
      const child = spawn(this.server.command, this.server.args, {
        env: { ...inheritedEnvironment(), ...this.server.env },
        cwd: this.server.cwd,
        stdio: ['pipe', 'pipe', 'pipe'],
        windowsHide: true,
      });
      this.child = child;
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => this.receive(chunk));
      child.stderr.setEncoding('utf8');
      let stderrTail = '';
      child.stderr.on('data', (chunk: string) => {
        const lines = (stderrTail + chunk).split('\n');
        stderrTail = lines.pop() ?? '';
        for (const line of lines) if (line.trim()) this.onstderr?.(line);
      });
      // A write to a process that has just died raises EPIPE; the exit handler reports the death.
      child.stdin.on('error', () => {});
      child.once('spawn', () => resolve());
      child.once('error', (error) => {
        this.finish(`could not start "${this.server.command}": ${error.message}`);
        reject(error);
      });
      child.once('close', (code, signal) => {
        this.finish(signal ? `exited on signal ${signal}` : `exited with code ${code}`);
      });
    });
  }

  send(message: JSONRPCMessage): void {
    if (this.closedReason !== undefined || !this.child) throw new Error(`the server process ${this.closedReason ?? 'is not running'}`);
    const stdin = this.child.stdin;
    if (!this.corked) {
      // Messages written in one turn of the event loop leave in one system call: under load a write per message was
      // the largest single cost in the gateway's profile. The turn, not the tick: each HTTP request is parsed in an
      // I/O callback of its own, so a tick holds one call's message (17% of an allow-all gateway's samples went to
      // those writes); setImmediate runs once the turn's callbacks are done, before the loop waits again.
      this.corked = true;
      stdin.cork();
      setImmediate(() => {
        this.corked = false;
        stdin.uncork();
      });
    }
    stdin.write(JSON.stringify(message) + '\n');
  }

  async close(): Promise<void> {
    const child = this.child;
    if (!child || this.closedReason !== undefined) return;
    const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
    child.stdin.end();
    child.kill('SIGTERM');
    const force = setTimeout(() => child.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(force);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  private receive(chunk: string): void {
    let text = this.pending + chunk;
    let newline = text.indexOf('\n');
    while (newline !== -1) {
      const line = text.slice(0, newline);
      text = text.slice(newline + 1);
      newline = text.indexOf('\n');
      if (line.length === 0 || line === '\r') continue;
      let message: unknown;
      try {
        message = JSON.parse(line);
      } catch {
        // Servers and their launchers (npx, tsx) sometimes print banners to stdout: not protocol, skipped.
        this.onstderr?.(`(stdout, not JSON) ${line}`);
        continue;
      }
      if (typeof message === 'object' && message !== null) this.onmessage?.(message as JSONRPCMessage);
    }
    this.pending = text;
  }

  private finish(reason: string): void {
    if (this.closedReason !== undefined) return;
    this.closedReason = reason;
    this.onclose?.(reason);
  }
}

/**
 * The part of the gateway's environment a spawned server inherits: the SDK's list (DEFAULT_INHERITED_ENV_VARS),
 * kept here because importing the SDK's stdio module for it costs about 25 MB of resident memory.
 */
const INHERITED = ['HOME', 'LOGNAME', 'PATH', 'SHELL', 'TERM', 'USER'];

function inheritedEnvironment(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of INHERITED) {
    const value = process.env[name];
    // Exported shell functions ("() {…") are not passed on, as in the SDK.
    if (value !== undefined && !value.startsWith('()')) env[name] = value;
  }
  return env;
}
