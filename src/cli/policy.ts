import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { stringify as toYaml } from 'yaml';
import { loadConfig } from '../config/load.js';
import { locateConfig } from './config-file.js';
import { DocumentError, type Problem } from '../documents/errors.js';
import { Inventory } from '../gateway/inventory.js';
import { parseCases, runCases } from '../policy/cases.js';
import { explain } from '../policy/decide.js';
import { lintPolicy } from '../policy/lint.js';
import type { LoadedPolicy } from '../policy/parse.js';
import { loadPolicy } from '../policy/policy-file.js';
import { policyJsonSchema } from '../policy/json-schema.js';
import { UpstreamConnection } from '../upstream/connection.js';
import { transportFor } from '../upstream/transport-for.js';
import { UsageError } from './errors.js';
import { addEditCommands } from './policy-edit.js';

/** `policy check` and friends exit 1 when the policy (or a case) fails: the answer CI scripts look for. */
const EXIT_FAILED = 1;

const print = (json: boolean | undefined, data: unknown, human: string) => process.stdout.write(json ? `${JSON.stringify(data, null, 2)}\n` : human);

/** Loads the policy a command names, or explains on stderr why it cannot and exits 1. */
function policyOrExit(file: string, json?: boolean): LoadedPolicy {
  try {
    return loadPolicy(file, file);
  } catch (error) {
    if (!(error instanceof DocumentError)) throw error;
    if (json) print(true, { valid: false, errors: error.problems.map((p) => ({ file, ...p })) }, '');
    process.stderr.write(`${error.message}\n`);
    process.exit(EXIT_FAILED);
  }
}

/** The names of the tools a configured server offers, asked of the server itself. */
async function offeredTools(configFile: string, server: string): Promise<string[]> {
  const config = loadConfig(configFile);
  const entry = config.servers[server];
  if (!entry) throw new UsageError(`--server: "${server}" is not in ${configFile}; it has ${Object.keys(config.servers).join(', ')}`);
  if (process.stderr.isTTY) process.stderr.write(`asking ${server} for its tools…\n`);
  const upstream = new UpstreamConnection(server, entry, {
    createTransport: () => transportFor(entry),
    listener: { onNotification: () => {}, onServerRequest: async () => ({ error: { code: -32601, message: 'not available' } }) },
  });
  try {
    await upstream.start();
    return (await new Inventory().list(upstream, 'tools')).map((tool) => String(tool.name));
  } finally {
    await upstream.close();
  }
}

const located = (file: string, kind: string) => (p: Problem) => `${file}: ${p.pointer || '/'}: ${kind}${p.message}\n`;

/** Where a converted policy behaves otherwise than its dialect's own gateway would, on stderr; with --strict, that fails. */
function reportNotes(file: string, loaded: LoadedPolicy, strict: boolean | undefined, json?: boolean): void {
  if (!json) for (const note of loaded.notes) process.stderr.write(located(file, 'note: ')(note));
  if (strict && loaded.notes.length > 0) process.exitCode = EXIT_FAILED;
}

const STRICT = ['--strict', `exit ${EXIT_FAILED} when the gateway would behave otherwise than the policy's dialect says anywhere (a note)`] as const;

export function policyCommand(): Command {
  const policy = new Command('policy').description("check, explain, test and convert policies; set a tool's rule in a server's policy file, and roll it back");

  policy
    .command('check')
    .argument('<file>', 'policy file (JSON or YAML; canonical, Intercept or rule-list)')
    .description('validate a policy: exit 0 if valid, 1 if not (errors on stderr)')
    .option('-c, --config <file>', 'configuration, to compare the policy with a server\'s tools (with --server)')
    .option('-s, --server <name>', 'warn about names the policy mentions that this server does not offer')
    .option('--json', 'print the result as JSON')
    .option(...STRICT)
    .action(async (file: string, options: { config?: string; server?: string; json?: boolean; strict?: boolean }) => {
      const loaded = policyOrExit(file, options.json);
      const offered = options.server ? await offeredTools(locateConfig(options.config).file, options.server) : undefined;
      const warnings = lintPolicy(loaded, offered);
      const summary = { valid: true, file, dialect: loaded.dialect, version: loaded.compiled.version, warnings, notes: loaded.notes };
      print(options.json, summary, `${file}: valid (${loaded.dialect}, version ${loaded.compiled.version})\n`);
      if (!options.json) for (const warning of warnings) process.stderr.write(located(file, 'warning: ')(warning));
      reportNotes(file, loaded, options.strict, options.json);
    });

  policy
    .command('explain')
    .argument('<file>', 'policy file')
    .description('show the decision for one call, and every rule that took part')
    .requiredOption('-t, --tool <name>', 'the tool called')
    .option('-a, --args <json>', 'the call\'s arguments, as JSON', '{}')
    .option('--json', 'print the decision and trace as JSON')
    .action((file: string, options: { tool: string; args: string; json?: boolean }) => {
      let args: unknown;
      try {
        args = JSON.parse(options.args);
      } catch (error) {
        throw new UsageError(`--args: not valid JSON: ${(error as Error).message}`);
      }
      const loaded = policyOrExit(file);
      const { decision, trace } = explain(loaded.compiled, { tool: options.tool, args });
      const headline = decision.kind === 'allow' ? `allow by ${decision.rule}${decision.shadow ? ` (shadow mode; enforced it would refuse: ${decision.shadow.message})` : ''}` : `${decision.kind} by ${decision.rule}: ${decision.message}`;
      const steps = trace.map((s) => `  ${s.rule}  ${s.outcome}  ${s.detail}\n`).join('');
      print(options.json, { decision, trace, policy: loaded.compiled.version }, `${headline}\n${steps}`);
    });

  policy
    .command('test')
    .argument('<file>', 'policy file')
    .argument('<cases>', 'cases file: [{tool, args, expect: allow|deny|hidden, rule?, message?}]')
    .description('check a policy against expected decisions: exit 0 if every case passes, 1 if not')
    .option('--json', 'print the results as JSON')
    .action((file: string, casesFile: string, options: { json?: boolean }) => {
      const loaded = policyOrExit(file);
      let text: string;
      try {
        text = readFileSync(casesFile, 'utf8');
      } catch (error) {
        throw new UsageError(`${casesFile}: ${(error as Error).message}`);
      }
      const results = runCases(loaded.compiled, parseCases(text, casesFile));
      const failed = results.filter((r) => !r.passed).length;
      const lines = results.map((r) => {
        const name = r.case.name ?? `${r.case.tool} ${JSON.stringify(r.case.args ?? {})}`;
        return r.passed ? `  ✓ ${name}\n` : `  ✗ ${name}: ${r.failures.join('; ')}\n`;
      });
      print(options.json, { passed: results.length - failed, failed, results }, `${lines.join('')}${results.length - failed} passed, ${failed} failed\n`);
      if (failed > 0) process.exitCode = EXIT_FAILED;
    });

  policy
    .command('convert')
    .argument('<file>', 'policy in any dialect')
    .description('print the policy in the canonical form (notes on stderr where the effect differs)')
    .option('-f, --format <format>', 'json or yaml', 'json')
    .option(...STRICT)
    .action((file: string, options: { format: string; strict?: boolean }) => {
      if (options.format !== 'json' && options.format !== 'yaml') throw new UsageError(`--format: expected json or yaml, got "${options.format}"`);
      const loaded = policyOrExit(file);
      process.stdout.write(options.format === 'yaml' ? toYaml(loaded.document) : `${JSON.stringify(loaded.document, null, 2)}\n`);
      reportNotes(file, loaded, options.strict);
    });

  policy
    .command('schema')
    .description('print the JSON Schema of the canonical policy form, for editors')
    .action(() => {
      process.stdout.write(`${JSON.stringify(policyJsonSchema(), null, 2)}\n`);
    });

  addEditCommands(policy);
  return policy;
}
