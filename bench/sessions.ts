import { Agent, request, type IncomingMessage } from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { rawEcho, summarize, timeSequential, type LatencySummary } from './latency.js';
import { memoryOf, treeRssMiB } from './processes.js';
import { openSession, type RawSession } from './raw-session.js';
import type { Running } from './targets.js';

/**
 * Memory under load: many agents connected at once, each in a legacy session that holds its GET stream open (as
 * an SDK client does, to hear the server's notifications). What a proxy keeps per session and per open stream
 * is what this measures; the calls made meanwhile only check that it still serves, and how fast.
 */

/** The goals for Toolgate's resident set, in MB (10^6 bytes; the tables print MiB). */
export const GOALS = { idleMB: 80, sessions: 1000, withSessionsMB: 200 };

/** Sessions opened at once: enough to be quick, few enough not to measure a burst of handshakes instead. */
const OPEN_CONCURRENCY = 32;
const STREAM_TIMEOUT_MS = 30_000;

export interface SessionsResult {
  sessions: number;
  /** Why the target held fewer sessions than the run asked for. */
  capped?: string;
  /** The proxy's RSS before any session of the bench's (after start-up and one SDK client's echo). */
  idleRssMiB: number;
  /** The proxy's RSS with every stream open, after a settle. */
  rssMiB: number;
  peakMiB: number;
  /** (rss − idle) ÷ sessions: an upper bound, since it also holds what the handshakes and calls warmed up. */
  perSessionKiB: number;
  /** The target's other processes (its upstreams) with every stream open. */
  others: { processes: number; rssMiB: number };
  /** Seconds to open every session and its stream. */
  openS: number;
  /** Streams still open after the calls made with all of them open (a proxy may have closed some). */
  streamsOpen: number;
  /** Sequential tools/call echo over fetch, before the sessions and with them all open. */
  echoIdle: LatencySummary;
  echoLoaded: LatencySummary;
}

/** Sessions and their open GET streams, held on one agent so that they can all be dropped at once. */
interface Held {
  open(): number;
  close(): void;
}

/** GET with the session's headers; resolves once the stream's headers have arrived, and keeps it open. */
function openStream(session: RawSession, agent: Agent): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const headers = { accept: 'text/event-stream', ...session.headers };
    const req = request(session.url, { method: 'GET', headers, agent }, (res) => {
      clearTimeout(timer);
      if (res.statusCode !== 200 || !(res.headers['content-type'] ?? '').includes('text/event-stream')) {
        res.destroy();
        reject(new Error(`GET stream answered HTTP ${res.statusCode} ${res.headers['content-type'] ?? ''}`));
        return;
      }
      res.resume(); // keep-alive comments and notifications are read and dropped
      resolve(res);
    });
    const timer = setTimeout(() => req.destroy(new Error(`no GET stream within ${STREAM_TIMEOUT_MS} ms`)), STREAM_TIMEOUT_MS);
    req.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.end();
  });
}

/**
 * `count` legacy sessions, each initialized (openSession: initialize, notifications/initialized) and then holding
 * its GET stream. The streams use node:http on an agent with a socket for each, since each holds its socket for
 * as long as it is open; the short handshakes go through fetch's pooled connections.
 */
async function holdSessions(url: string, count: number): Promise<Held> {
  const agent = new Agent({ keepAlive: false, maxSockets: count + OPEN_CONCURRENCY });
  const streams = new Set<IncomingMessage>();
  const held: Held = { open: () => streams.size, close: () => agent.destroy() };
  let started = 0;
  const worker = async () => {
    while (started < count) {
      started++;
      const stream = await openStream(await openSession(url), agent);
      streams.add(stream);
      stream.once('close', () => streams.delete(stream));
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(OPEN_CONCURRENCY, count) }, worker));
  } catch (error) {
    const opened = streams.size;
    held.close();
    throw new Error(`opened ${opened} of ${count} sessions with streams, then: ${error instanceof Error ? error.message : String(error)}`);
  }
  return held;
}

export async function measureSessions(
  running: Running,
  count: number,
  plan: { echo: { warmup: number; calls: number }; settleMs: number },
  capped?: string,
): Promise<SessionsResult> {
  const { pid, url } = running;
  if (pid === undefined || url === undefined) throw new Error('the memory-under-load run needs an HTTP proxy process');
  await sleep(plan.settleMs);
  const idleRssMiB = memoryOf(pid).rssMiB;
  const probe = await openSession(url);
  const call = () => rawEcho(probe);
  await timeSequential(call, plan.echo.warmup); // so that "idle" compares warm code with warm code
  const echoIdle = summarize(await timeSequential(call, plan.echo.calls));

  const begin = performance.now();
  const held = await holdSessions(url, count);
  try {
    const openS = (performance.now() - begin) / 1000;
    await sleep(plan.settleMs);
    const { rssMiB, peakMiB } = memoryOf(pid);
    const tree = treeRssMiB(pid);
    const others = { processes: tree.processes - 1, rssMiB: tree.rssMiB - rssMiB };
    const echoLoaded = summarize(await timeSequential(call, plan.echo.calls));
    const perSessionKiB = ((rssMiB - idleRssMiB) * 1024) / count;
    return { sessions: count, ...(capped && { capped }), idleRssMiB, rssMiB, peakMiB, perSessionKiB, others, openS, streamsOpen: held.open(), echoIdle, echoLoaded };
  } finally {
    held.close();
  }
}
