import { userInfo } from 'node:os';
import type { Command } from 'commander';
import type { PolicyEntry } from '../audit/audit-record.js';
import { loadConfig } from '../config/load.js';
import { DocumentError } from '../documents/errors.js';
import { loadPolicy } from '../policy/policy-file.js';
import { PolicyChangeError } from '../policy/policy-change-error.js';
import { PolicyWriter, type PolicyWrite } from '../policy/policy-writer.js';
import type { ToolRuleChange } from '../policy/set-tool-rule.js';
import { openAuditLog } from './audit-log.js';
import { CONFIG_HELP } from './config-file.js';
import { UsageError } from './errors.js';

/** An invalid change (the policy would not validate, or a pattern hides the tool): exit 1, as `policy check` fails. */
const EXIT_INVALID = 1;
const SCOPES = ['grant', 'session', 'global'] as const;

interface EditOptions {
  config: string;
  json?: boolean;
}

interface SetOptions extends EditOptions {
  allow?: boolean;
  deny?: string | true;
  limit?: string;
  approval?: boolean;
}

/**
 * `policy set`, `policy versions` and `policy rollback`: a server's policy file changed through the same PolicyWriter
 * as the admin API, and each change recorded in the audit log as `cli:<OS user>` (the account that could write the
 * file, which a name given on the command line would not prove). A running gateway picks the change up through its
 * file watcher.
 */
export function addEditCommands(policy: Command): void {
  policy
    .command('set')
    .description("set one tool's rule in a server's policy file (validated as policy check does; the old file is kept as a version)")
    .argument('<server>', 'the server, as the configuration names it')
    .argument('<tool>', 'the tool')
    .option('--allow', 'allow every call')
    .option('--deny [message]', 'refuse every call, with the message the agent reads')
    .option('--limit <counter:window:max[:scope]>', 'at most max calls per window on the counter (scope: grant, session or global; default grant)')
    .option('--approval', 'hold every call for a person to approve')
    .option('-c, --config <file>', CONFIG_HELP)
    .option('--json', 'print what was written as JSON')
    .action((server: string, tool: string, options: SetOptions) => {
      const rule = ruleFrom(options);
      return edit(options, server, { tool, event: 'set' }, (writer) => ({ write: writer.setTool(loadPolicy(writer.file, writer.file), tool, rule), rule: rule.rule }));
    });

  policy
    .command('versions')
    .description("list the versions of a server's policy file kept by policy set, rollback and the admin API, newest first")
    .argument('<server>', 'the server')
    .option('-c, --config <file>', CONFIG_HELP)
    .option('--json', 'print the versions as JSON')
    .action((server: string, options: EditOptions) => {
      const versions = writerFor(loadConfig(options.config), server, options.config).versions();
      if (options.json) process.stdout.write(`${JSON.stringify(versions.map((v) => ({ ...v, replacedAt: new Date(v.replacedAt).toISOString() })), null, 2)}\n`);
      else if (versions.length === 0) process.stdout.write(`no versions of ${server}'s policy are kept yet\n`);
      else for (const v of versions) process.stdout.write(`${v.n}  ${new Date(v.replacedAt).toISOString()}  ${v.version}  ${v.dialect ?? `does not load: ${v.error}`}\n`);
    });

  policy
    .command('rollback')
    .description("write back a kept version of a server's policy file (default: the newest, the file as it was before the last change)")
    .argument('<server>', 'the server')
    .option('--to <n>', 'the version to go back to (policy versions lists them)', (text: string) => {
      if (!/^[1-9]\d*$/.test(text)) throw new UsageError(`--to: expected a version number, got "${text}"`);
      return Number(text);
    })
    .option('-c, --config <file>', CONFIG_HELP)
    .option('--json', 'print what was written as JSON')
    .action((server: string, options: EditOptions & { to?: number }) =>
      edit(options, server, { event: 'rolled_back' }, (writer) => ({ write: writer.rollback(options.to), ...(options.to !== undefined && { to: options.to }) })),
    );
}

/** The rule the flags ask for; exactly one of them. */
function ruleFrom(options: SetOptions): ToolRuleChange {
  const chosen = [options.allow, options.deny, options.limit, options.approval].filter((flag) => flag !== undefined).length;
  if (chosen !== 1) throw new UsageError('give one of --allow, --deny [message], --limit <counter:window:max[:scope]> or --approval');
  if (options.allow) return { rule: 'allow' };
  if (options.deny !== undefined) return { rule: 'deny', ...(options.deny !== true && { message: options.deny }) };
  if (options.approval) return { rule: 'approval' };
  // From the right: a counter's name may itself hold ":".
  const parts = options.limit!.split(':');
  const scope = SCOPES.find((s) => s === parts.at(-1));
  if (scope) parts.pop();
  const [max, window] = [parts.pop(), parts.pop()];
  const counter = parts.join(':');
  if (!counter || !window || !max || !/^\d+$/.test(max)) throw new UsageError(`--limit: expected counter:window:max[:scope], like writes:minute:30:grant, got "${options.limit}"`);
  return { rule: 'limit', counter, window: /^\d+$/.test(window) ? Number(window) : window, max: Number(max), ...(scope && { scope }) };
}

function writerFor(config: ReturnType<typeof loadConfig>, server: string, configFile: string): PolicyWriter {
  const entry = config.servers[server];
  if (!entry) throw new UsageError(`no server "${server}" in ${configFile} (servers: ${Object.keys(config.servers).join(', ')})`);
  if (typeof entry.policy !== 'string') {
    throw new UsageError(`the policy of "${server}" ${entry.policy === undefined ? 'is not set' : 'is written inline'} in ${configFile}: there is no policy file to change`);
  }
  return new PolicyWriter(entry.policy);
}

/**
 * One change, recorded in the audit log, which must be one this process can append to (as for `catalog approve`):
 * it is opened before the file is touched, so a change that could not be recorded is not made.
 */
async function edit(options: EditOptions, server: string, what: Pick<PolicyEntry, 'tool' | 'event'>, change: (writer: PolicyWriter) => { write: PolicyWrite } & Pick<PolicyEntry, 'rule' | 'to'>): Promise<void> {
  const config = loadConfig(options.config);
  const writer = writerFor(config, server, options.config);
  const audit = config.audit.enabled ? await openAuditLog(config.store.audit, 'a policy change') : undefined;
  try {
    let made: ReturnType<typeof change>;
    try {
      made = change(writer);
    } catch (error) {
      if (error instanceof PolicyChangeError && error.reason === 'no_such_version') throw new UsageError(error.message);
      if (!(error instanceof DocumentError || error instanceof PolicyChangeError)) throw error;
      process.stderr.write(`${error instanceof PolicyChangeError && error.pointer ? `${writer.file}: ${error.pointer}: ` : ''}${error.message}\n`);
      process.exitCode = EXIT_INVALID;
      return;
    }
    const { write, ...details } = made;
    const { version } = write.loaded.compiled;
    await audit?.append({ kind: 'policy', time: Date.now(), server, ...what, ...details, version, ...(write.previous !== undefined && { previous: write.previous }), by: `cli:${userInfo().username}` });
    if (options.json) process.stdout.write(`${JSON.stringify({ server, ...what, version, previous: write.previous, kept: write.kept, notes: write.notes }, null, 2)}\n`);
    else {
      const kept = write.kept === undefined ? '' : `; the previous file is kept as version ${write.kept}`;
      process.stdout.write(`${writer.file}: version ${write.previous ?? '(none)'} → ${version}${kept}\n`);
      for (const note of write.notes) process.stderr.write(`${writer.file}: ${note.pointer || '/'}: note: ${note.message}\n`);
    }
  } finally {
    await audit?.close();
  }
}
