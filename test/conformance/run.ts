import { execFile, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import type { Era } from '../../src/protocol/eras.js';
import { startGateway } from '../e2e/harness.js';

/**
 * Runs the official MCP conformance suite (@modelcontextprotocol/conformance, server mode: the suite is the
 * client) against the gateway, with test/conformance/conformance-server.ts behind it, and holds the outcome to
 * expected-failures.yaml: any failure not listed there, and any listed failure that no longer happens, fails
 * the run, so the file stays a true account of what is left.
 *
 * The suite (0.1.16) speaks only the legacy wire: its client is SDK v1, which negotiates 2025-11-25 (and its
 * raw-HTTP scenarios send 2025-03-26 headers); `--spec-version` there filters scenarios, it does not pick a
 * wire. What varies here is the other side of the gateway: the same server behind it once spoken to in
 * 2026-07-28 and once in a 2025 `initialize` session, since the gateway translates between eras and each
 * upstream era takes a different path through it.
 *
 *   npm run conformance [-- --verbose]     --verbose streams the suite's own output
 */

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const require = createRequire(import.meta.url);

/** The suite needs Node 22 or later; this pinned build comes from the npm registry's `node` package. */
const NODE_22_PACKAGE = 'node@22.23.3';
const SUITE_CLI = require.resolve('@modelcontextprotocol/conformance/dist/index.js');
const EXPECTED_FAILURES_FILE = join(here, 'expected-failures.yaml');
const SUITE_TIMEOUT_MS = 180_000;

/** One way the suite reaches the conformance server: the wire it speaks to the gateway, and the upstream's era. */
interface Target {
  /** The gateway's name for the upstream (and so the URL path) and this target's key in expected-failures.yaml. */
  name: string;
  /** What the suite speaks to the gateway: 0.1.16 has only the legacy wire (see above). */
  wire: 'legacy';
  upstreamEra: Era;
}

const TARGETS: Target[] = [
  { name: 'modern-upstream', wire: 'legacy', upstreamEra: 'modern' },
  { name: 'legacy-upstream', wire: 'legacy', upstreamEra: 'legacy' },
];

type Status = 'SUCCESS' | 'FAILURE' | 'WARNING' | 'SKIPPED' | 'INFO';

interface Check {
  id: string;
  status: Status;
  description: string;
  errorMessage?: string;
}

interface ScenarioResult {
  scenario: string;
  /** Undefined when the suite recorded nothing for the scenario (it threw before writing checks.json). */
  checks?: Check[];
}

/** `<scenario>/<check id>` → the reason it is expected to fail, per target. */
type ExpectedFailures = Record<string, Record<string, string>>;

const verbose = process.argv.includes('--verbose');

async function main(): Promise<number> {
  const node22 = await findNode22();
  const expected = loadExpectedFailures();
  const scenarios = await listScenarios(node22);
  const outputRoot = mkdtempSync(join(tmpdir(), 'toolgate-conformance-'));
  const upstream = { command: process.execPath, args: ['--import', 'tsx', join(here, 'conformance-server.ts')], cwd: root };
  // The era is forced rather than probed (`auto`): a probe that meets a server still starting up on a loaded
  // machine gets no answer within its timeout and settles on legacy, which would make the matrix flaky.
  const gateway = await startGateway(Object.fromEntries(TARGETS.map((t) => [t.name, { ...upstream, protocol: t.upstreamEra }])));
  let unexplained = 0;
  try {
    for (const target of TARGETS) {
      // The matrix means what it says only if each upstream settled on the era it is named for.
      const settled = gateway.gateway.upstreams.get(target.name)?.info?.era;
      if (settled !== target.upstreamEra) throw new Error(`upstream ${target.name} settled on era ${settled}, not ${target.upstreamEra}`);
      const outputDir = join(outputRoot, target.name);
      await runSuite(node22, gateway.url(target.name).href, outputDir);
      const results = readResults(outputDir, scenarios);
      unexplained += report(target, results, expected[target.name] ?? {});
    }
    for (const name of Object.keys(expected)) {
      if (!TARGETS.some((t) => t.name === name)) {
        console.log(`\nexpected-failures.yaml names target "${name}", which this runner does not run: remove it`);
        unexplained++;
      }
    }
  } finally {
    await gateway.close();
  }
  if (unexplained === 0) rmSync(outputRoot, { recursive: true, force: true });
  else console.log(`\nThe suite's checks.json files are kept in ${outputRoot}`);
  return unexplained === 0 ? 0 : 1;
}

/** This Node if it is new enough, else the pinned Node 22 (fetched once into npm's cache by `npm exec`). */
async function findNode22(): Promise<string> {
  if (Number(process.versions.node.split('.')[0]) >= 22) return process.execPath;
  // Not a devDependency: the `node` package's bin would shadow the system Node in every npm script.
  const { stdout } = await promisify(execFile)('npm', ['exec', '--yes', `--package=${NODE_22_PACKAGE}`, '--', 'node', '-p', 'process.execPath'], { cwd: root });
  return stdout.trim();
}

function loadExpectedFailures(): ExpectedFailures {
  const parsed: unknown = parseYaml(readFileSync(EXPECTED_FAILURES_FILE, 'utf8')) ?? {};
  const fail = (why: string): never => {
    throw new Error(`${EXPECTED_FAILURES_FILE}: ${why}`);
  };
  if (typeof parsed !== 'object' || Array.isArray(parsed)) fail('expected a mapping of target → { "<scenario>/<check id>": reason }');
  for (const [target, entries] of Object.entries(parsed as Record<string, unknown>)) {
    if (entries === null) continue;
    if (typeof entries !== 'object' || Array.isArray(entries)) fail(`${target}: expected a mapping of "<scenario>/<check id>" to a reason`);
    for (const [key, reason] of Object.entries(entries as Record<string, unknown>)) {
      if (typeof reason !== 'string' || reason.trim() === '') fail(`${target}/${key}: give the reason the check fails, in one line`);
    }
  }
  return parsed as ExpectedFailures;
}

/** Every server scenario the suite has, so that one which produced no result is noticed, not skipped. */
async function listScenarios(node22: string): Promise<string[]> {
  const { stdout } = await promisify(execFile)(node22, [SUITE_CLI, 'list', '--server']);
  return [...stdout.matchAll(/^\s+- (\S+)/gm)].map((m) => m[1]!);
}

/** Runs every server scenario (`--suite all`: pending ones too) against `url`, writing checks.json files under `outputDir`. */
async function runSuite(node22: string, url: string, outputDir: string): Promise<void> {
  console.log(`\nconformance suite → ${url}`);
  const child = spawn(node22, [SUITE_CLI, 'server', '--url', url, '--suite', 'all', '--output-dir', outputDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // The suite's output is long and its own pass/fail summary is recomputed below; keep it for a post-mortem.
  const log = createWriteStream(`${outputDir}.log`);
  for (const stream of [child.stdout, child.stderr]) {
    stream.pipe(log, { end: false });
    if (verbose) stream.pipe(process.stdout, { end: false });
  }
  const timer = setTimeout(() => child.kill(), SUITE_TIMEOUT_MS);
  // The suite exits non-zero whenever a check fails; the verdict is reached from checks.json, not from that.
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  clearTimeout(timer);
  log.end();
  if (code === null) throw new Error(`the conformance suite did not finish within ${SUITE_TIMEOUT_MS} ms (log: ${outputDir}.log)`);
}

/** The suite names each result folder `server-<scenario>-<ISO timestamp with - for : and .>`. */
const RESULT_DIR = /^server-(.+)-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z$/;

function readResults(outputDir: string, scenarios: string[]): ScenarioResult[] {
  const found = new Map<string, Check[]>();
  for (const entry of existsSync(outputDir) ? readdirSync(outputDir) : []) {
    const scenario = RESULT_DIR.exec(entry)?.[1];
    const file = join(outputDir, entry, 'checks.json');
    if (scenario && existsSync(file)) found.set(scenario, JSON.parse(readFileSync(file, 'utf8')) as Check[]);
  }
  return scenarios.map((scenario) => ({ scenario, checks: found.get(scenario) }));
}

/**
 * Prints the target's results and returns how many are unexplained: failures not in expected-failures.yaml
 * plus entries there that did not fail. A WARNING counts as a failure, as in the suite's own baseline check.
 */
function report(target: Target, results: ScenarioResult[], expected: Record<string, string>): number {
  const failing = new Map<string, string>();
  let passed = 0;
  for (const { scenario, checks } of results) {
    if (!checks) {
      failing.set(`${scenario}/(no result)`, 'the suite recorded no result for this scenario (see its log)');
      continue;
    }
    for (const check of checks) {
      if (check.status === 'SUCCESS') passed++;
      if (check.status === 'FAILURE' || check.status === 'WARNING') {
        failing.set(`${scenario}/${check.id}`, `${check.status}: ${check.errorMessage ?? check.description}`);
      }
    }
  }
  const unexpected = [...failing].filter(([key]) => !(key in expected));
  const stale = Object.keys(expected).filter((key) => !failing.has(key));
  console.log(`${target.name} (${target.wire} wire to the gateway, ${target.upstreamEra} upstream): ${results.length} scenarios, ${passed} checks passed, ${failing.size} failed (${failing.size - unexpected.length} expected)`);
  for (const [key, message] of failing) console.log(`  ${key in expected ? 'expected  ' : 'UNEXPECTED'} ${key}: ${message}`);
  for (const key of stale) console.log(`  STALE      ${key}: listed in expected-failures.yaml but did not fail; remove it`);
  return unexpected.length + stale.length;
}

process.exitCode = await main();
