import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, escapeIdentifier } from 'pg';
import { launch, type Launched } from '../../bench/processes.js';
import { mintAdminToken } from '../../src/admin/admin-token.js';
import { openGrantStore } from '../../src/grants/open-grant-store.js';
import { Grants } from '../../src/grants/grants.js';
import { dropPrefix, freshPrefix, withPrefix } from './redis.js';

/**
 * A fleet of real `toolgate serve` processes sharing one configuration: every part in PostgreSQL (a schema of the
 * fleet's own, dropped at stop) and Redis (a key prefix of its own), an admin token and a grant, and a round-robin
 * balancer (bench/balancer.ts) in front. By default each replica fronts the recording server
 * (test/fixtures/recording-server.ts), all of them writing to one file, so a test sees every request that reached
 * any upstream. The bench starts the same fleet with its own upstream.
 */

const ROOT = resolve(import.meta.dirname, '../..');
/** The gateway from its source (tests), or as built into dist/ (the bench measures what ships). */
const TSX = ['--import', import.meta.resolve('tsx')];
const ENTRY = { source: [...TSX, resolve(ROOT, 'src/cli/main.ts')], dist: [resolve(ROOT, 'dist/cli/main.js')] } as const;
const READY_TIMEOUT_MS = 30_000;

export interface FleetOptions {
  replicas: number;
  /** The PostgreSQL the fleet keeps its records in (a fresh schema is made in it) and the Redis it counts in. */
  postgres: string;
  redis: string;
  /** The recording server's policy, when `servers` is not given: written to `policyFile`, as a ConfigMap mounts one. */
  policy?: object;
  /** The servers block, in place of the recording server (whose name is `rec`). */
  servers?: Record<string, object>;
  /** More of the configuration (approvals, audit, sessions…); `auth` and `admin` are the fleet's unless given. */
  settings?: Record<string, unknown>;
  entry?: keyof typeof ENTRY;
}

export interface Replica {
  /** The replica's own origin, `http://127.0.0.1:<port>`. */
  readonly base: string;
  readonly pid: number;
  /** Signals the gateway process alone (its stdio upstream ends with its stdin) and waits for it to end. */
  kill(signal: NodeJS.Signals): Promise<void>;
}

/** A tools/call that reached an upstream, as the recording server wrote it down. */
export interface RecordedCall {
  name: string;
  arguments: Record<string, unknown>;
}

export interface Fleet {
  /** The balancer's origin. */
  readonly balancer: string;
  readonly balancerPid: number;
  readonly replicas: readonly Replica[];
  /** The admin API's token (the unlabelled admin, who decides approvals as `admin`). */
  readonly adminToken: string;
  /** A grant reaching every server, and its label. */
  readonly grantToken: string;
  readonly grantLabel: string;
  /** The configuration file every replica reads (for the CLI), and the places its parts live. */
  readonly config: string;
  readonly sql: string;
  readonly kv: string;
  /** The recording server's policy file, which every replica reads (and the admin API of each writes). */
  readonly policyFile: string;
  /** An MCP endpoint under `base` (the balancer's or a replica's): one server's, or the aggregate's. */
  url(base: string, server?: string): URL;
  /** The tools/call requests every replica's recording server received so far. */
  recordedCalls(): RecordedCall[];
  stop(): Promise<void>;
}

export async function startFleet(options: FleetOptions): Promise<Fleet> {
  const dir = mkdtempSync(join(tmpdir(), 'toolgate-fleet-'));
  const schema = `toolgate_fleet_${process.pid}_${randomBytes(4).toString('hex')}`;
  const prefix = freshPrefix();
  const sql = withSearchPath(options.postgres, schema);
  const kv = withPrefix(options.redis, prefix);
  const launched: Launched[] = [];
  const stop = async () => {
    await Promise.all(launched.map((process) => process.stop()));
    await onPostgres(options.postgres, (pg) => pg.query(`DROP SCHEMA IF EXISTS ${escapeIdentifier(schema)} CASCADE`));
    await dropPrefix(options.redis, prefix);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await onPostgres(options.postgres, (pg) => pg.query(`CREATE SCHEMA ${escapeIdentifier(schema)}`));
    const recording = join(dir, 'recorded.jsonl');
    writeFileSync(recording, '');
    const policyFile = join(dir, 'policy.json');
    writeFileSync(policyFile, JSON.stringify(options.policy ?? { version: '1', default: 'allow' }));
    const servers = options.servers ?? {
      rec: { command: process.execPath, args: [...TSX, resolve(ROOT, 'test/fixtures/recording-server.ts'), recording], policy: policyFile },
    };
    const admin = mintAdminToken();
    const config = join(dir, 'toolgate.json');
    // JSON is YAML: the gateway reads it as its configuration file.
    writeFileSync(config, JSON.stringify({ auth: 'grants', admin: { token_sha256: admin.sha256 }, store: { sql, kv }, servers, ...options.settings }));
    const grant = await issueGrant(sql);
    const replicas = await Promise.all(
      Array.from({ length: options.replicas }, async () => {
        const gateway = launch(process.execPath, [...ENTRY[options.entry ?? 'source'], 'serve', '--config', config, '--port', '0', '--json'], { cwd: ROOT });
        launched.push(gateway);
        const base = new URL((JSON.parse(await gateway.firstLine()) as { url: string }).url).origin;
        await ready(base);
        return replica(gateway, base);
      }),
    );
    const balancer = launch(process.execPath, [...TSX, resolve(ROOT, 'bench/balancer.ts'), ...replicas.map((r) => r.base)], { cwd: ROOT });
    launched.push(balancer);
    const { url: balanced } = JSON.parse(await balancer.firstLine()) as { url: string };
    return {
      balancer: balanced,
      balancerPid: balancer.pid,
      replicas,
      adminToken: admin.token,
      grantToken: grant.token,
      grantLabel: grant.label,
      config,
      sql,
      kv,
      policyFile,
      url: (base, server) => new URL(server === undefined ? `${base}/mcp` : `${base}/mcp/${encodeURIComponent(server)}`),
      recordedCalls: () => recordedCalls(recording),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The URL with each connection's search path set to `schema`, where every part then makes its tables. */
function withSearchPath(url: string, schema: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('options', `-c search_path=${schema}`);
  return parsed.toString();
}

async function onPostgres(url: string, work: (pg: Client) => Promise<unknown>): Promise<void> {
  const pg = new Client({ connectionString: url });
  await pg.connect();
  try {
    await work(pg);
  } finally {
    await pg.end();
  }
}

async function issueGrant(sql: string): Promise<{ label: string; token: string }> {
  const store = await openGrantStore(sql);
  try {
    const label = 'agent';
    return { label, token: (await new Grants(store).create({ label, servers: ['*'] }, Date.now())).token };
  } finally {
    await store.close();
  }
}

/** Until the replica's /readyz answers 200: its stores answer and its upstreams are connected. */
async function ready(base: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const status = await fetch(`${base}/readyz`).then((response) => response.status, () => 0);
    if (status === 200) return;
    if (Date.now() > deadline) throw new Error(`${base}/readyz answered ${status} for ${READY_TIMEOUT_MS} ms`);
    await sleep(100);
  }
}

function replica(gateway: Launched, base: string): Replica {
  return {
    base,
    pid: gateway.pid,
    kill: async (signal) => {
      process.kill(gateway.pid, signal);
      await gateway.exited;
    },
  };
}

function recordedCalls(file: string): RecordedCall[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { method?: string; params?: RecordedCall })
    .filter((message) => message.method === 'tools/call')
    .map(({ params }) => ({ name: params!.name, arguments: params!.arguments ?? {} }));
}
