import { execFile, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { type Era, LATEST_MODERN_VERSION } from '../../src/protocol/eras.js';
import { startGateway } from '../e2e/harness.js';

/**
 * Runs the official MCP conformance suite (@modelcontextprotocol/conformance, server mode: the suite is the
 * client) against the gateway, with test/conformance/conformance-server.ts behind it, and holds the outcome to
 * expected-failures.yaml: any failure not listed there, and any listed failure that no longer happens, fails
 * the run, so the file stays a true account of what is left.
 *
 * Two things vary, and every combination is a target, because the gateway translates between eras and each
 * pairing takes a different path through it:
 * - the wire the suite speaks to the gateway: 2025-11-25 sessions (`initialize`, `Mcp-Session-Id`) or the
 *   stateless 2026-07-28 wire (per-request `_meta` and `Mcp-*` headers);
 * - the era the gateway settled with the same server behind it: 2026-07-28 or a 2025 `initialize` session.
 *
 *   npm run conformance [-- --verbose]     --verbose streams the suite's own output
 */

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const require = createRequire(import.meta.url);

/** The suite needs Node 22 or later; this pinned build comes from the npm registry's `node` package. */
const NODE_22_PACKAGE = 'node@22.23.3';
const EXPECTED_FAILURES_FILE = join(here, 'expected-failures.yaml');
const SUITE_TIMEOUT_MS = 180_000;

type Wire = 'legacy' | 'modern';

/** A build of the suite and the arguments that make it speak one wire. */
interface Suite {
  cli: string;
  /** Added to both `list --server` and `server`, so the scenarios listed are the scenarios run. */
  wireArgs: string[];
}

const SUITES: Record<Wire, Suite> = {
  // 0.1.16's client is SDK v1, which negotiates 2025-11-25 (its raw-HTTP scenarios send 2025-03-26 headers);
  // `--spec-version` there only filters scenarios, so it cannot speak the modern wire at all.
  legacy: { cli: require.resolve('@modelcontextprotocol/conformance/dist/index.js'), wireArgs: [] },
  // The 0.2 pre-releases pick the wire from `--spec-version`: 2026-07-28 runs every scenario stateless, and with
  // `--suite all` it keeps the pending ones that `--requirements 2026-07-28` would leave out (custom headers,
  // JSON Schema 2020-12). Installed under an alias (devDependency `conformance-next`) beside 0.1.16.
  modern: { cli: require.resolve('conformance-next/dist/index.js'), wireArgs: ['--spec-version', LATEST_MODERN_VERSION] },
};

/** One way the suite reaches the conformance server: the wire it speaks to the gateway, and the upstream's era. */
interface Target {
  wire: Wire;
  upstreamEra: Era;
}

const WIRES: readonly Wire[] = ['legacy', 'modern'];
const UPSTREAM_ERAS: readonly Era[] = ['modern', 'legacy'];
const TARGETS: readonly Target[] = WIRES.flatMap((wire) => UPSTREAM_ERAS.map((upstreamEra) => ({ wire, upstreamEra })));

/**
 * The gateway's name for the server of one era, and so its URL path. Both wires reach the same upstream, as
 * clients of both eras share one upstream connection in production.
 */
const upstreamName = (era: Era): string => `${era}-upstream`;

/** The target's key in expected-failures.yaml, e.g. `modern-wire/legacy-upstream`. */
const targetKey = (target: Target): string => `${target.wire}-wire/${upstreamName(target.upstreamEra)}`;

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

/** What the runner needs of an entry in expected-failures.yaml (the reason itself is for people). */
interface Expectation {
  /** It fails only sometimes (a race): passing does not make the entry stale. */
  intermittent: boolean;
}

/** `<scenario>/<check id>` → its expectation, per target key (see `targetKey`). */
type ExpectedFailures = Record<string, Record<string, Expectation>>;

/**
 * A reason names whose fault the failure is, as expected-failures.yaml documents: only the gateway's and the suite's
 * are listed, since a fault of the conformance server is to be fixed there instead.
 */
const REASON = /^(gateway bug|suite): (\(intermittent\) )?\S[^\n]*$/;

const verbose = process.argv.includes('--verbose');

async function main(): Promise<number> {
  const node22 = await findNode22();
  const expected = loadExpectedFailures();
  const outputRoot = mkdtempSync(join(tmpdir(), 'toolgate-conformance-'));
  const upstream = { command: process.execPath, args: ['--import', 'tsx', join(here, 'conformance-server.ts')], cwd: root };
  // The era is forced rather than probed (`auto`): a probe that meets a server still starting up on a loaded
  // machine gets no answer within its timeout and settles on legacy, which would make the matrix flaky.
  const gateway = await startGateway(Object.fromEntries(UPSTREAM_ERAS.map((era) => [upstreamName(era), { ...upstream, protocol: era }])));
  let unexplained = 0;
  try {
    for (const target of TARGETS) {
      const name = upstreamName(target.upstreamEra);
      // The matrix means what it says only if each upstream settled on the era it is named for.
      const settled = gateway.gateway.upstreams.get(name)?.info?.era;
      if (settled !== target.upstreamEra) throw new Error(`upstream ${name} settled on era ${settled}, not ${target.upstreamEra}`);
      const suite = SUITES[target.wire];
      const url = gateway.url(name).href;
      const outputDir = join(outputRoot, targetKey(target).replace('/', '--'));
      console.log(`\n${targetKey(target)}: conformance suite → ${url}`);
      await runSuite(node22, suite, url, outputDir);
      const results = readResults(outputDir, await listScenarios(node22, suite));
      unexplained += report(target, results, expected[targetKey(target)] ?? {});
    }
    for (const key of Object.keys(expected)) {
      if (!TARGETS.some((t) => targetKey(t) === key)) {
        console.log(`\nexpected-failures.yaml names target "${key}", which this runner does not run: remove it`);
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
  const expected: ExpectedFailures = {};
  for (const [target, entries] of Object.entries(parsed as Record<string, unknown>)) {
    const checks: Record<string, Expectation> = (expected[target] = {});
    if (entries === null) continue;
    if (typeof entries !== 'object' || Array.isArray(entries)) fail(`${target}: expected a mapping of "<scenario>/<check id>" to a reason`);
    for (const [key, reason] of Object.entries(entries as Record<string, unknown>)) {
      const match = typeof reason === 'string' ? REASON.exec(reason) : null;
      if (!match) return fail(`${target}/${key}: give the reason in one line, starting "gateway bug: " or "suite: " (see the top of the file)`);
      checks[key] = { intermittent: match[2] !== undefined };
    }
  }
  return expected;
}

/** Every server scenario the suite has for its wire, so that one which produced no result is noticed, not skipped. */
async function listScenarios(node22: string, suite: Suite): Promise<string[]> {
  const { stdout } = await promisify(execFile)(node22, [suite.cli, 'list', '--server', ...suite.wireArgs]);
  return [...stdout.matchAll(/^\s+- (\S+)/gm)].map((m) => m[1]!);
}

/** Runs every server scenario (`--suite all`: pending ones too) against `url`, writing checks.json files under `outputDir`. */
async function runSuite(node22: string, suite: Suite, url: string, outputDir: string): Promise<void> {
  const child = spawn(node22, [suite.cli, 'server', '--url', url, '--suite', 'all', ...suite.wireArgs, '--output-dir', outputDir], {
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
 * plus entries there that did not fail (unless marked intermittent). A WARNING counts as a failure, as in the
 * suite's own baseline check.
 */
function report(target: Target, results: ScenarioResult[], expected: Record<string, Expectation>): number {
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
  const notFailing = Object.entries(expected).filter(([key]) => !failing.has(key));
  const stale = notFailing.filter(([, { intermittent }]) => !intermittent);
  console.log(`${targetKey(target)} (${target.wire} wire to the gateway, ${target.upstreamEra} upstream): ${results.length} scenarios, ${passed} checks passed, ${failing.size} failed (${failing.size - unexpected.length} expected)`);
  for (const [key, message] of failing) console.log(`  ${key in expected ? 'expected  ' : 'UNEXPECTED'} ${key}: ${message}`);
  for (const [key, { intermittent }] of notFailing) {
    console.log(intermittent ? `  passed     ${key}: listed as intermittent, passed this time` : `  STALE      ${key}: listed in expected-failures.yaml but did not fail; remove it`);
  }
  return unexpected.length + stale.length;
}

process.exitCode = await main();
