import { performance } from 'node:perf_hooks';
import type { Client } from '@modelcontextprotocol/client';
import { post, type RawSession } from './raw-session.js';

/** One request, checked: a wrong or failed answer must stop the bench, not be timed as a fast one. */
export type Workload = (client: Client) => Promise<void>;

const ECHO_MESSAGE = 'hello from the bench';
const BIG_LENGTH = 64 * 1024;

function textOf(result: Awaited<ReturnType<Client['callTool']>>): string | undefined {
  const first = result.content?.[0];
  return !result.isError && first?.type === 'text' ? first.text : undefined;
}

export const echo: Workload = async (client) => {
  const text = textOf(await client.callTool({ name: 'echo', arguments: { message: ECHO_MESSAGE } }));
  if (text !== ECHO_MESSAGE) throw new Error(`echo answered ${JSON.stringify(text)}`);
};

export const big: Workload = async (client) => {
  const text = textOf(await client.callTool({ name: 'big', arguments: {} }));
  if (text?.length !== BIG_LENGTH) throw new Error(`big answered ${text?.length ?? 'no'} characters instead of ${BIG_LENGTH}`);
};

/**
 * A full tools/list, every page, which must hold the echo server's `extraTools` generated tools (its own tools may
 * change). `bypass` keeps the client's response cache out of the measurement.
 */
export function listAll(extraTools: number): Workload {
  return async (client) => {
    const { tools } = await client.listTools(undefined, { cacheMode: 'bypass' });
    const generated = tools.filter((tool) => /^tool_\d+$/.test(tool.name)).length;
    if (generated !== extraTools) throw new Error(`tools/list returned ${generated} of the ${extraTools} generated tools (${tools.length} in all)`);
  };
}

const RAW_ECHO = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { message: ECHO_MESSAGE } } });

/**
 * The echo call over plain fetch, without the SDK client: the SDK's HTTP client spends about a millisecond of CPU
 * per call of its own, the same for every target, which hides the differences between proxies.
 */
export async function rawEcho(session: RawSession): Promise<void> {
  const answer = await post(session, RAW_ECHO);
  const text = (answer?.result?.content as { text?: string }[] | undefined)?.[0]?.text;
  if (text !== ECHO_MESSAGE) throw new Error(`echo over fetch answered ${JSON.stringify(answer)}`);
}

/** Runs `count` requests one after another and returns each one's latency in milliseconds. */
export async function timeSequential(call: () => Promise<void>, count: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await call();
    samples.push(performance.now() - start);
  }
  return samples;
}

export interface LatencySummary {
  calls: number;
  meanMs: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
}

export function summarize(samples: readonly number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  // Nearest-rank percentile: always a latency that was actually observed.
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
  return {
    calls: sorted.length,
    meanMs: sorted.reduce((sum, x) => sum + x, 0) / sorted.length,
    p50Ms: rank(50),
    p90Ms: rank(90),
    p99Ms: rank(99),
    maxMs: sorted[sorted.length - 1]!,
  };
}
