import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { after } from 'node:test';
import { Redis } from 'ioredis';
import { closeRedis, connectRedis } from '../../src/store/redis.js';
import { unavailable } from './services.js';

/**
 * The Redis the tests may use (`TOOLGATE_TEST_REDIS_URL`, set by .ci/run), or why they are skipped: a test that needs
 * a service it cannot reach is reported as skipped, never passed (in CI, an error). The benchmark passes its own URL.
 */
export async function testRedis(url = process.env.TOOLGATE_TEST_REDIS_URL): Promise<{ url: string; skip?: undefined } | { url?: undefined; skip: string }> {
  if (!url) return { skip: unavailable('TOOLGATE_TEST_REDIS_URL is not set') };
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => {});
  try {
    await redis.connect();
    await redis.ping();
    return { url };
  } catch (error) {
    return { skip: unavailable(`Redis at ${url} is unreachable: ${(error as Error).message}`) };
  } finally {
    redis.disconnect();
  }
}

/** A unique key prefix, so each test's counters start empty and never meet another run's. */
export function freshPrefix(): string {
  return `toolgate-test:${process.pid}:${Date.now().toString(36)}:${Math.random().toString(36).slice(2)}:`;
}

/** The URL with `?prefix=` set. */
export function withPrefix(url: string, prefix: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('prefix', prefix);
  return parsed.toString();
}

/** Deletes every key under `prefix`. */
export async function dropPrefix(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url);
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
}

/**
 * Opens connections as the gateway does (`connectRedis`), each on a fresh prefix, for stores built on a connection
 * they are given; after the file's tests, each is closed and its keys deleted.
 */
export function freshConnections(url: string | undefined): () => Promise<{ redis: Redis; prefix: string }> {
  const opened: { redis: Redis; prefix: string }[] = [];
  after(async () => {
    for (const { redis, prefix } of opened) {
      await closeRedis(redis);
      await dropPrefix(url!, prefix);
    }
  });
  return async () => {
    const connection = await connectRedis(url!, freshPrefix());
    opened.push(connection);
    return connection;
  };
}

/**
 * A Redis server of the test's own on a free port, which the test may stop and start again (the shared one on
 * 6379 must stay up for everything else). Needs the `redis-server` binary.
 */
export class PrivateRedis {
  private process?: ChildProcess;

  private constructor(readonly port: number) {}

  static async start(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort());
    await redis.start();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}/0`;
  }

  async start(): Promise<void> {
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'inherit'] });
    this.process = child;
    await new Promise<void>((resolve, reject) => {
      let output = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) resolve();
      });
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${output.slice(-500)}`)));
    });
    child.stdout!.resume();
  }

  async stop(): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}

/** Whether `redis-server` can be spawned here. */
export async function canRunRedisServer(): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn('redis-server', ['--version'], { stdio: 'ignore' });
    child.once('error', () => resolve(false));
    child.once('exit', (code) => resolve(code === 0));
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
