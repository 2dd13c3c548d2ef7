import { execFile, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { type Era, LATEST_MODERN_VERSION } from '../../src/protocol/eras.js';
import { type RunningGateway, startGateway } from '../e2e/harness.js';
import { CONFORMANCE_SERVER, type HttpFixture, startHttpFixture } from '../support/http-fixture.js';
import { ERAS, type Eras } from './conformance-http.js';

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
 * - the server behind the gateway: the fixture over stdio with the era forced (2026-07-28, or a 2025
 *   `initialize` session), or the fixture over Streamable HTTP serving both eras on one URL (the gateway left
 *   to find out, as with real servers) or only one.
 * Each HTTP fixture is also run against directly, without the gateway: what fails there is the suite's or the
 * fixture's doing, so a check that fails only through the gateway is the gateway's.
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

/** A way the fixture is served: over stdio with the era the gateway is made to speak, or over HTTP serving `eras`. */
type Fixture = { transport: 'stdio'; era: Era } | { transport: 'http'; eras: Eras };

/** One way the suite reaches the fixture: the wire it speaks, the fixture, and whether the gateway is between. */
interface Target {
  wire: Wire;
  fixture: Fixture;
  direct: boolean;
}

const WIRES: readonly Wire[] = ['legacy', 'modern'];
const STDIO_ERAS: readonly Era[] = ['modern', 'legacy'];
const FIXTURES: readonly Fixture[] = [...STDIO_ERAS.map((era) => ({ transport: 'stdio', era }) as const), ...ERAS.map((eras) => ({ transport: 'http', eras }) as const)];
// The direct runs come first, so that each gateway run can be read against its baseline.
const TARGETS: readonly Target[] = [
  ...WIRES.flatMap((wire) => ERAS.map((eras) => ({ wire, fixture: { transport: 'http', eras }, direct: true }) as const)),
  ...WIRES.flatMap((wire) => FIXTURES.map((fixture) => ({ wire, fixture, direct: false }))),
];

/**
 * The gateway's name for a fixture, and so its URL path, e.g. `stdio-legacy`, `http-dual`. Both wires reach the
 * same upstream, as clients of both eras share one upstream connection in production.
 */
const fixtureName = (fixture: Fixture): string => (fixture.transport === 'stdio' ? `stdio-${fixture.era}` : `http-${fixture.eras}`);

/** The target's key in expected-failures.yaml, e.g. `modern-wire/stdio-legacy-upstream`, `legacy-wire/http-dual-direct`. */
const targetKey = (target: Target): string => `${target.wire}-wire/${fixtureName(target.fixture)}-${target.direct ? 'direct' : 'upstream'}`;

/** Whether the fixture speaks the wire itself (over stdio the gateway is always between, so it does not matter). */
const serves = (fixture: Fixture, wire: Wire): boolean => fixture.transport === 'stdio' || fixture.eras === 'dual' || fixture.eras === wire;

/**
 * A direct run of a wire the fixture does not serve shows what such a client gets of a single-era server, and
 * nothing about the suite or the fixture: it is reported, but held to nothing and a baseline for nothing.
 */
const isHeld = (target: Target): boolean => !target.direct || serves(target.fixture, target.wire);

/**
 * The run a gateway target is read against: the same suite straight to the HTTP fixture of the same eras, or,
 * where that does not speak the suite's wire (and for stdio), to the dual-era one. Either way it is the same
 * fixture speaking that wire itself, which is what the gateway in front of it should look like to the suite.
 */
function baselineOf(target: Target): Target | undefined {
  if (target.direct) return undefined;
  const fixture = target.fixture.transport === 'http' && serves(target.fixture, target.wire) ? target.fixture : ({ transport: 'http', eras: 'dual' } as const);
  return { wire: target.wire, fixture, direct: true };
}

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
 * A reason names whose fault the failure is, as expected-failures.yaml documents: the gateway's, the suite's, or
 * the gap between the eras a translating gateway cannot close; a fault of the conformance server is to be fixed
 * there instead.
 */
const REASON = /^(gateway bug|suite|era gap): (\(intermittent\) )?\S[^\n]*$/;

const verbose = process.argv.includes('--verbose');

async function main(): Promise<number> {
  const started = Date.now();
  const node22 = await findNode22();
  const expected = loadExpectedFailures();
  const outputRoot = mkdtempSync(join(tmpdir(), 'toolgate-conformance-'));
  const servers = new Map<Eras, HttpFixture>();
  let gateway: RunningGateway | undefined;
  let unexplained = 0;
  const scores: string[] = [];
  try {
    // Each fixture's log of the exchanges that reached it is kept beside the suite's logs.
    for (const eras of ERAS) servers.set(eras, await startHttpFixture(eras, createWriteStream(join(outputRoot, `fixture-http-${eras}.log`))));
    gateway = await startGateway(Object.fromEntries(FIXTURES.map((fixture) => [fixtureName(fixture), upstreamConfig(fixture, servers)])));
    const baselines = new Map<string, Baseline>();
    for (const target of TARGETS) {
      const key = targetKey(target);
      const name = fixtureName(target.fixture);
      const forced = target.fixture.transport === 'stdio' ? target.fixture.era : FORCED_ERA[target.fixture.eras];
      // The matrix means what it says only if each forced upstream settled on the era it is named for.
      const settled = gateway.gateway.upstreams.get(name)?.info?.era;
      if (!target.direct && forced && settled !== forced) throw new Error(`upstream ${name} settled on era ${settled}, not ${forced}`);
      const suite = SUITES[target.wire];
      const url = target.direct && target.fixture.transport === 'http' ? servers.get(target.fixture.eras)!.url : gateway.url(name).href;
      const outputDir = join(outputRoot, key.replace('/', '--'));
      console.log(`\n${key}: conformance suite → ${url}`);
      await runSuite(node22, suite, url, outputDir);
      const results = readResults(outputDir, await listScenarios(node22, suite));
      const baselineTarget = baselineOf(target);
      const baseline = baselineTarget && baselines.get(targetKey(baselineTarget));
      const outcome = isHeld(target) ? report(target, results, expected[key] ?? {}, baseline) : reportUnheld(target, results, expected[key]);
      // What the baseline lists stays explained there on the runs where an intermittent failure does not happen.
      baselines.set(key, { passed: outcome.passed, failing: new Set([...outcome.failing.keys(), ...Object.keys(expected[key] ?? {})]) });
      unexplained += outcome.unexplained;
      const held = isHeld(target) ? '' : '   (not held: the fixture does not serve this wire)';
      scores.push(`  ${key.padEnd(38)} ${String(outcome.passed.size).padStart(4)} passed ${String(outcome.failing.size).padStart(4)} failed${held}`);
    }
    for (const key of Object.keys(expected)) {
      if (!TARGETS.some((t) => targetKey(t) === key)) {
        console.log(`\nexpected-failures.yaml names target "${key}", which this runner does not run: remove it`);
        unexplained++;
      }
    }
  } finally {
    await gateway?.close();
    for (const server of servers.values()) server.close();
  }
  console.log(`\nChecks per target (${Math.round((Date.now() - started) / 1000)} s):\n${scores.join('\n')}`);
  if (unexplained === 0) rmSync(outputRoot, { recursive: true, force: true });
  else console.log(`\nThe suite's checks.json files and the fixtures' logs are kept in ${outputRoot}`);
  return unexplained === 0 ? 0 : 1;
}

/**
 * The era the gateway is made to speak with each fixture. It is forced rather than probed (`auto`) wherever
 * there is one to force: a probe that meets a server still starting up on a loaded machine gets no answer
 * within its timeout and settles on legacy, which would make the matrix flaky. The dual-era HTTP fixture is
 * left to `auto`, as a real server serving both eras would be: how the gateway meets one is what it shows.
 */
const FORCED_ERA: Record<Eras, Era | undefined> = { dual: undefined, modern: 'modern', legacy: 'legacy' };

function upstreamConfig(fixture: Fixture, servers: Map<Eras, HttpFixture>): Record<string, unknown> {
  if (fixture.transport === 'stdio') return { command: process.execPath, args: ['--import', 'tsx', CONFORMANCE_SERVER], cwd: root, protocol: fixture.era };
  return { url: servers.get(fixture.eras)!.url, protocol: FORCED_ERA[fixture.eras] ?? 'auto' };
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
      if (!match) return fail(`${target}/${key}: give the reason in one line, starting "gateway bug: ", "suite: " or "era gap: " (see the top of the file)`);
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

/** `<scenario>/<check id>` of the checks that passed and of those that failed (→ why). */
interface Checks {
  passed: Set<string>;
  failing: Map<string, string>;
}

interface Outcome extends Checks {
  unexplained: number;
}

/** What a gateway target is read against: what passed straight to the fixture, and what failed or is listed there. */
interface Baseline {
  passed: Set<string>;
  failing: Set<string>;
}

/** A WARNING counts as a failure, as in the suite's own baseline check; INFO is neither. */
function tally(results: ScenarioResult[]): Checks {
  const passed = new Set<string>();
  const failing = new Map<string, string>();
  for (const { scenario, checks } of results) {
    if (!checks) {
      failing.set(`${scenario}/(no result)`, 'the suite recorded no result for this scenario (see its log)');
      continue;
    }
    for (const check of checks) {
      const key = `${scenario}/${check.id}`;
      if (check.status === 'SUCCESS') passed.add(key);
      if (check.status === 'FAILURE' || check.status === 'WARNING') failing.set(key, `${check.status}: ${check.errorMessage ?? check.description}`);
    }
  }
  return { passed, failing };
}

/**
 * Prints the target's results and counts the unexplained: failures not in expected-failures.yaml plus entries
 * there that did not fail (unless marked intermittent). Through the gateway, a check that passed straight to the
 * same fixture must pass here too, so one that comes back INFO or not at all counts as failing; and a failure of
 * the baseline (the same check failing straight to the fixture) is explained by the baseline's entry, so listing
 * it again is reported too.
 */
function report(target: Target, results: ScenarioResult[], expected: Record<string, Expectation>, baseline: Baseline | undefined): Outcome {
  const { passed, failing } = tally(results);
  for (const key of baseline?.passed ?? []) {
    if (!passed.has(key) && !failing.has(key)) failing.set(key, 'LOST: passed straight to the fixture, but not through the gateway (INFO, or not reported)');
  }
  const inherited = (key: string) => baseline?.failing.has(key) === true;
  const unexpected = [...failing.keys()].filter((key) => !(key in expected) && !inherited(key));
  const notFailing = Object.entries(expected).filter(([key]) => !failing.has(key));
  const stale = notFailing.filter(([, { intermittent }]) => !intermittent);
  const redundant = Object.keys(expected).filter(inherited);
  console.log(`${targetKey(target)} (${describe(target)}): ${results.length} scenarios, ${passed.size} checks passed, ${failing.size} failed (${failing.size - unexpected.length} expected)`);
  for (const [key, message] of failing) {
    const verdict = inherited(key) ? 'directly too' : key in expected ? 'expected    ' : 'UNEXPECTED  ';
    console.log(`  ${verdict} ${key}: ${message}`);
  }
  for (const [key, { intermittent }] of notFailing) {
    console.log(intermittent ? `  passed       ${key}: listed as intermittent, passed this time` : `  STALE        ${key}: listed in expected-failures.yaml but did not fail; remove it`);
  }
  for (const key of redundant) console.log(`  REDUNDANT    ${key}: fails straight to the fixture too, where it is explained; remove it here`);
  return { passed, failing, unexplained: unexpected.length + stale.length + redundant.length };
}

/** Prints the score of a target held to nothing (see `isHeld`); entries for it are a mistake. */
function reportUnheld(target: Target, results: ScenarioResult[], expected: Record<string, Expectation> | undefined): Outcome {
  const { passed, failing } = tally(results);
  console.log(`${targetKey(target)} (${describe(target)}): ${results.length} scenarios, ${passed.size} checks passed, ${failing.size} failed (not held: the fixture does not serve this wire)`);
  if (expected) console.log(`  expected-failures.yaml lists ${targetKey(target)}, which is held to nothing: remove it`);
  return { passed, failing, unexplained: expected ? 1 : 0 };
}

function describe({ wire, fixture, direct }: Target): string {
  const server = fixture.transport === 'stdio' ? `the stdio fixture, ${fixture.era} era forced` : `the HTTP fixture serving ${fixture.eras === 'dual' ? 'both eras' : `${fixture.eras} only`}`;
  return `${wire} wire ${direct ? 'straight to' : 'to the gateway, in front of'} ${server}`;
}

process.exitCode = await main();
