import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { freePort, launch, type Launched } from './processes.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The one stdio server every target fronts. */
export interface Upstream {
  command: string;
  args: string[];
  cwd: string;
  /** Variables the server needs on top of the environment each target gives it. */
  env: Record<string, string>;
}

/** bench/echo-server.ts with `extraTools` generated tools beside its own two. */
export function echoServer(extraTools = 0): Upstream {
  return { command: process.execPath, args: [plainScript('echo-server')], cwd: ROOT, env: { BENCH_TOOLS: String(extraTools) } };
}

/** A target once started: the SDK client's way in, and the proxy process whose memory is measured. */
export interface Running {
  /** The proxy's pid; undefined for the direct connection, which has no proxy. */
  pid?: number;
  /** The Streamable HTTP endpoint; undefined for the direct connection. */
  url?: string;
  connect(): Promise<Client>;
  close(): Promise<void>;
}

export interface Target {
  name: string;
  description: string;
  /** Why the target cannot be measured yet; it keeps its row in the results all the same. */
  pending?: string;
  /** Answers 2026-07-28 stateless requests: its capacity is measured on that wire as well. */
  stateless?: boolean;
  /** Keeps real legacy sessions with GET streams, so it takes part in the memory-under-load run. */
  sessions?: {
    /** Fewer sessions than the run's count, when each one costs the machine a process. */
    cap?: number;
    why?: string;
  };
  start(upstream: Upstream): Promise<Running>;
}

const CLIENT_INFO = { name: 'toolgate-bench', version: '1.0.0' };

async function connected(transport: StdioClientTransport | StreamableHTTPClientTransport): Promise<Client> {
  // The default (legacy, session-based) handshake: the one every target here, the floor included, speaks.
  const client = new Client(CLIENT_INFO);
  try {
    await client.connect(transport);
  } catch (error) {
    await client.close().catch(() => {});
    throw error;
  }
  return client;
}

/** A spawned HTTP proxy; the process is stopped if its URL never comes. */
async function serving(proxy: Launched, url: () => Promise<string>): Promise<Running> {
  try {
    const endpoint = await url();
    return { pid: proxy.pid, url: endpoint, connect: () => connected(new StreamableHTTPClientTransport(new URL(endpoint))), close: () => proxy.stop() };
  } catch (error) {
    await proxy.stop();
    throw error;
  }
}

/** Files the targets need at run time (the floor as plain JS, Toolgate's configuration), removed on exit. */
const workDir = mkdtempSync(join(tmpdir(), 'toolgate-bench-'));
process.once('exit', () => rmSync(workDir, { recursive: true, force: true }));

/**
 * The floor and the echo server run as plain JavaScript, as Toolgate and the peers do: under tsx they would
 * carry the loader's start-up time and tens of MiB that are no part of forwarding.
 */
const scripts = new Map<string, string>();
export function plainScript(name: string): string {
  const known = scripts.get(name);
  if (known) return known;
  const file = join(workDir, `${name}.mjs`);
  const source = readFileSync(join(ROOT, `bench/${name}.ts`), 'utf8');
  const { outputText } = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
  writeFileSync(file, outputText);
  scripts.set(name, file);
  return file;
}

/** The package's own `bin` entry, so the peer runs as one node process with nothing (npx, a shell) around it. */
function binOf(pkg: string): string {
  const dir = join(ROOT, 'node_modules', pkg);
  const { bin } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { bin: string | Record<string, string> };
  return join(dir, typeof bin === 'string' ? bin : bin[pkg]!);
}

const shellQuote = (arg: string) => `'${arg.replaceAll("'", `'\\''`)}'`;
const inherited = (upstream: Upstream) => ({ ...process.env, ...upstream.env });

const direct: Target = {
  name: 'direct',
  description: 'SDK v2 client straight to the stdio server (no proxy)',
  start: async (upstream) => ({
    connect: () =>
      connected(new StdioClientTransport({ ...upstream, env: { ...getDefaultEnvironment(), ...upstream.env }, stderr: 'ignore' })),
    close: async () => {},
  }),
};

const floor: Target = {
  name: 'floor',
  description: 'bench/floor.ts: minimal node:http JSON-RPC forwarder',
  start: (upstream) => {
    const proxy = launch(process.execPath, [plainScript('floor'), upstream.command, ...upstream.args], { cwd: upstream.cwd, env: inherited(upstream) });
    return serving(proxy, async () => (JSON.parse(await proxy.firstLine()) as { url: string }).url);
  },
};

/**
 * `toolgate serve` with one server, the bench's upstream (or, given as `{ url }`, a server over HTTP), under
 * `policy`, with the rest of its configuration.
 */
export function toolgateServing(upstream: Upstream | { url: string }, policy: object, settings: object = {}): Promise<Running> {
  const config = join(workDir, `toolgate-${process.hrtime.bigint()}.yaml`);
  // JSON is YAML: the gateway reads it as its configuration file.
  writeFileSync(config, JSON.stringify({ ...settings, servers: { fixture: { ...upstream, policy } } }));
  const proxy = launch(process.execPath, [join(ROOT, 'dist/cli/main.js'), 'serve', '--config', config, '--port', '0', '--json'], { cwd: ROOT });
  return serving(proxy, async () => (JSON.parse(await proxy.firstLine()) as { servers: Record<string, string> }).servers.fixture!);
}

export const toolgate: Target = {
  name: 'toolgate',
  description: 'toolgate serve, one server, everything allowed',
  stateless: true,
  sessions: {},
  // The baseline: nothing counted, nothing recorded. The memory phase holds 1,000 streams beside the sessions of the
  // phases before it, all one grant (auth: none): past the default share of 1,000 per grant.
  start: (upstream) => toolgateServing(upstream, { version: '1', default: 'allow' }, { audit: { enabled: false }, sessions: { max_per_grant: 2000 } }),
};

/**
 * The same gateway in front of the bench's server over Streamable HTTP (2026-07-28): what the gateway's own HTTP
 * client transport costs, beside the stdio row above.
 */
const toolgateHttpUpstream: Target = {
  name: 'toolgate, HTTP upstream',
  description: 'toolgate serve in front of the echo server over Streamable HTTP (2026-07-28), everything allowed',
  stateless: true,
  start: async (upstream) => {
    const server = launch(process.execPath, [plainScript('echo-server'), '--http'], { cwd: upstream.cwd, env: inherited(upstream) });
    try {
      const { url } = JSON.parse(await server.firstLine()) as { url: string };
      const running = await toolgateServing({ url }, { version: '1', default: 'allow' }, { audit: { enabled: false } });
      const close = async () => {
        await running.close();
        await server.stop();
      };
      return { ...running, close };
    } catch (error) {
      await server.stop();
      throw error;
    }
  },
};

/**
 * What an operator would write: default deny, 50 tools listed (the bench's two and 48 generated names), a condition
 * on the echo tool's argument, and limits that never trigger, counted in the default SQLite store, where every
 * decision is also recorded in the audit log (written ahead of each forwarded call).
 */
export const REALISTIC_POLICY = {
  version: '1',
  default: 'deny',
  all_tools: { limits: [{ counter: 'all_calls', window: 'hour', max: 1_000_000_000, scope: 'grant' }] },
  tools: {
    echo: { deny_if: [{ path: 'args.message', op: 'regex', value: '^DROP ' }], limits: [{ counter: 'echo_rate', window: 'minute', max: 1_000_000_000 }] },
    big: {},
    ...Object.fromEntries(Array.from({ length: 48 }, (_, i) => [`tool_${String(i).padStart(4, '0')}`, {}])),
  },
};

const toolgatePolicy: Target = {
  name: 'toolgate+policy',
  description: 'toolgate serve with a realistic policy (limits counted and audit log in SQLite)',
  stateless: true,
  start: (upstream) => toolgateServing(upstream, REALISTIC_POLICY),
};

/** The same without the audit log: beside `toolgate+policy`, what recording every decision costs. */
const toolgatePolicyUnaudited: Target = {
  name: 'toolgate+policy, no audit',
  description: 'the realistic policy with the audit log off',
  stateless: true,
  start: (upstream) => toolgateServing(upstream, REALISTIC_POLICY, { audit: { enabled: false } }),
};

/** The realistic policy with its counters in a Redis shared by every replica: what the scale-out run measures. */
export function toolgateSharingRedis(redis: string): Target {
  return {
    name: 'toolgate+policy (Redis)',
    description: 'toolgate serve with the realistic policy, limits counted in a shared Redis',
    stateless: true,
    start: (upstream) => toolgateServing(upstream, REALISTIC_POLICY, { store: { counters: redis } }),
  };
}

const mcpProxy: Target = {
  name: 'mcp-proxy',
  description: 'mcp-proxy (npm), Streamable HTTP endpoint only, defaults otherwise',
  sessions: {},
  start: async (upstream) => {
    const port = await freePort();
    const args = [binOf('mcp-proxy'), '--host', '127.0.0.1', '--port', String(port), '--server', 'stream', '--', upstream.command, ...upstream.args];
    const proxy = launch(process.execPath, args, { cwd: upstream.cwd, env: inherited(upstream) });
    return serving(proxy, async () => `http://127.0.0.1:${port}/mcp`);
  },
};

const supergateway: Target = {
  name: 'supergateway',
  description: 'supergateway (npm), stateful Streamable HTTP, logging off',
  // 1,000 sessions would be 1,000 more node processes (several GiB) on the machine that runs everything else.
  sessions: { cap: 50, why: 'stateful mode spawns one upstream process per session' },
  start: async (upstream) => {
    const port = await freePort();
    const command = [upstream.command, ...upstream.args].map(shellQuote).join(' ');
    // Its default log level writes every message it relays; `none` keeps console I/O out of the figures.
    const args = [binOf('supergateway'), '--stdio', command, '--outputTransport', 'streamableHttp', '--stateful', '--port', String(port), '--logLevel', 'none'];
    const proxy = launch(process.execPath, args, { cwd: upstream.cwd, env: inherited(upstream) });
    return serving(proxy, async () => `http://127.0.0.1:${port}/mcp`);
  },
};

/** In table order. */
export const TARGETS: readonly Target[] = [direct, floor, toolgate, toolgateHttpUpstream, toolgatePolicy, toolgatePolicyUnaudited, mcpProxy, supergateway];
