import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ACCEPT, openSession, post, statelessCalls, toolCall, type Wire } from './raw-session.js';

const run = promisify(execFile);
/** BENCH_WRK names another wrk binary (or a missing one, to try the run without capacity). */
const WRK = process.env.BENCH_WRK ?? 'wrk';

/** wrk's version line, or undefined when wrk is not installed (the capacity runs are then skipped). */
export function wrkVersion(): string | undefined {
  const probe = spawnSync(WRK, ['-v'], { encoding: 'utf8' });
  if (probe.error) return undefined;
  return /wrk \S+/.exec(probe.stdout + probe.stderr)?.[0];
}

const ECHO_MESSAGE = 'hello from wrk';
const ID_MARK = '@ID@';

/**
 * A target made ready for wrk: a Lua script that posts tools/call, in a session opened by hand (legacy) or as
 * 2026-07-28 stateless requests.
 */
export interface Prepared {
  url: string;
  script: string;
  dispose(): void;
}

/** `headers` go on every request (an `Authorization` a gateway with grants asks for). */
export async function prepare(url: string, wire: Wire = 'session', headers: Record<string, string> = {}): Promise<Prepared> {
  const opened = wire === 'session' ? await openSession(url, headers) : statelessCalls(url, 'echo');
  const session = { ...opened, headers: { ...headers, ...opened.headers } };
  const template = toolCall(session, ID_MARK, 'echo', { message: ECHO_MESSAGE });
  // The prepared request is checked once, with fetch, before it is used as load.
  const answer = await post(session, template.replace(`"${ID_MARK}"`, '"check"'));
  const text = (answer?.result?.content as { text?: string }[] | undefined)?.[0]?.text;
  if (text !== ECHO_MESSAGE) throw new Error(`the prepared tools/call was answered with ${JSON.stringify(answer)}`);
  const dir = mkdtempSync(join(tmpdir(), 'toolgate-bench-wrk-'));
  const script = join(dir, 'tools-call.lua');
  writeFileSync(script, luaScript(session.headers, template, `"text":"${ECHO_MESSAGE}"`));
  return { url, script, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A Lua long string, which needs no escaping as long as the text does not contain its closing bracket. (As a table
 * index it needs spaces around it: `[[` would open a long string.)
 */
const lua = (text: string) => `[==[${text}]==]`;

/**
 * Each request gets a unique JSON-RPC id: proxies find the HTTP request a response belongs to by its id, so equal
 * ids in flight on one session would be answered on the wrong stream. Each answer is checked for the echoed
 * text, because a proxy can answer 200 with a JSON-RPC error or an empty SSE stream.
 */
function luaScript(headers: Record<string, string>, template: string, expected: string): string {
  const [prefix, suffix] = template.split(`"${ID_MARK}"`);
  return `wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = ${lua(ACCEPT)}
${Object.entries(headers)
  .map(([name, value]) => `wrk.headers[ ${lua(name)} ] = ${lua(value)}`)
  .join('\n')}
local prefix, suffix, expected = ${lua(prefix!)}, ${lua(suffix!)}, ${lua(expected)}
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end
sent, bad = 0, 0
function request()
  sent = sent + 1
  return wrk.format(nil, nil, nil, prefix .. '"' .. tid .. "-" .. sent .. '"' .. suffix)
end
function response(status, headers, body)
  if status >= 300 or not string.find(body, expected, 1, true) then bad = bad + 1 end
end
function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("bad") end
  io.write("BENCH_BAD_ANSWERS " .. total .. "\\n")
end
`;
}

export interface WrkRun {
  connections: number;
  durationS: number;
  requests: number;
  requestsPerSec: number;
  latencyMs: { mean: number; p50: number; p90: number; p99: number };
  /** HTTP status 4xx/5xx, as wrk counts them. */
  non2xx: number;
  socketErrors: { connect: number; read: number; write: number; timeout: number };
  /** Answers that were not a 2xx carrying the echoed text (counted by the Lua script). */
  badAnswers: number;
  errors: number;
  raw: string;
}

export async function runWrk(prepared: Prepared, connections: number, durationS: number): Promise<WrkRun> {
  // One wrk thread: on a two-core machine every extra thread takes CPU from the proxy being measured.
  const args = ['-t1', `-c${connections}`, `-d${durationS}s`, '--timeout', '5s', '--latency', '-s', prepared.script, prepared.url];
  const { stdout, stderr } = await run(WRK, args, { timeout: (durationS + 30) * 1000 });
  // Without the script's summary line the script did not run, and wrk has sent plain GETs instead.
  if (!stdout.includes('BENCH_BAD_ANSWERS')) throw new Error(`the wrk script did not run: ${stderr.trim() || stdout.trim()}`);
  return parseWrk(stdout, connections, durationS);
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

function toMs(value: string | undefined): number {
  const match = /^([\d.]+)(us|ms|s|m)$/.exec(value ?? '');
  return match ? Number(match[1]) * UNIT_MS[match[2]!]! : NaN;
}

export function parseWrk(raw: string, connections: number, durationS: number): WrkRun {
  const find = (pattern: RegExp) => pattern.exec(raw)?.slice(1) ?? [];
  const [connect = 0, read = 0, write = 0, timeout = 0] = find(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/).map(Number);
  const non2xx = Number(find(/Non-2xx or 3xx responses: (\d+)/)[0] ?? 0);
  const badAnswers = Number(find(/BENCH_BAD_ANSWERS (\d+)/)[0]);
  const socketErrors = { connect, read, write, timeout };
  return {
    connections,
    durationS,
    requests: Number(find(/(\d+) requests in/)[0]),
    requestsPerSec: Number(find(/Requests\/sec:\s+([\d.]+)/)[0]),
    latencyMs: {
      mean: toMs(find(/^\s+Latency\s+(\S+)/m)[0]),
      p50: toMs(find(/^\s+50%\s+(\S+)/m)[0]),
      p90: toMs(find(/^\s+90%\s+(\S+)/m)[0]),
      p99: toMs(find(/^\s+99%\s+(\S+)/m)[0]),
    },
    non2xx,
    socketErrors,
    badAnswers,
    // A bad answer also covers a non-2xx; socket errors are requests that got no answer at all.
    errors: badAnswers + connect + read + write + timeout,
    raw,
  };
}
