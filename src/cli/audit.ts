import { Command, Option } from 'commander';
import { loadConfig } from '../config/load.js';
import { AUDIT_DECISIONS, isEvent, type ApprovalEntry, type AuditDecision, type ChainedEntry, type PinEntry, type PolicyEntry } from '../audit/audit-record.js';
import type { AuditFilter, AuditResult, AuditSink } from '../audit/audit-sink.js';
import { eventsOf, joinOutcomes, type AuditEvent, type AuditRequest } from '../audit/join-outcomes.js';
import { openAuditSink } from '../audit/open-audit-sink.js';
import { keygen, PRIVATE_KEY_FILE, PUBLIC_KEY_FILE, type KeygenOptions } from './audit-keygen.js';
import { verify, verifyOptions, type VerifyCliOptions } from './audit-verify.js';
import { durationOption } from './duration-option.js';
import { UsageError } from './errors.js';
import { CONFIG_HELP } from './config-file.js';

const FOLLOW_EVERY_MS = 1_000;

interface Common {
  config: string;
  json?: boolean;
}

interface TailOptions extends Common {
  follow?: boolean;
  grant?: string;
  tool?: string;
  server?: string;
  decision?: AuditDecision;
  since?: string;
  lines: string;
}

/** `toolgate audit tail|verify|keygen`: what was decided, whether the record is whole, and the key that signs it. */
export function auditCommand(): Command {
  const audit = new Command('audit').description('the audit log: every decision the gateway made');
  const common = (command: Command, json: string) => command.option('-c, --config <file>', CONFIG_HELP).option('--json', json);

  common(audit.command('tail'), 'print JSON (one object per line with --follow)')
    .description('show the latest decisions, each with how its call ended, and what became of pinned tool definitions')
    .option('-f, --follow', 'keep printing decisions as they are made')
    .option('-g, --grant <label>', 'only this grant (label or id)')
    .option('-t, --tool <name>', 'only this tool (or prompt, or resource URI)')
    .option('-s, --server <name>', 'only this server')
    .addOption(new Option('-d, --decision <decision>', 'only this decision').choices(AUDIT_DECISIONS))
    .option('--since <duration>', 'only the last so long (1h, 30m, 2d)')
    .option('-n, --lines <count>', 'how many requests to show', '20')
    .action((options: TailOptions) => withSink(options, (sink) => tail(sink, options)));

  const repeated = (value: string, previous: string[]) => [...previous, value];
  common(audit.command('verify'), 'print the result as JSON')
    .description('check the hash chain from its anchor, each published head, and with --public-key every signed checkpoint; exit 0 when all hold, 1 when one does not, 2 on a usage or configuration error')
    .option('--head <seq:hash>', 'a head the gateway published (auditSeq:auditHash of an "audit chain head" log line): the entry at seq must still have that hash; repeatable', repeated, [])
    .option('--public-key <file>', 'an Ed25519 public key (from audit keygen): every checkpoint must be signed by a key given, and the log must hold one; repeatable', repeated, [])
    .action((options: Common & VerifyCliOptions) => {
      const checks = verifyOptions(options);
      return withSink(options, (sink) => verify(sink, checks, options));
    });

  audit
    .command('keygen')
    .description(`make an Ed25519 key pair for signed checkpoints: ${PRIVATE_KEY_FILE} (mode 0600) for audit.signing_key, ${PUBLIC_KEY_FILE} for verify --public-key`)
    .option('-o, --out <dir>', 'the directory to write both files into (created if missing)', '.')
    .option('--json', 'print the key id and the files as JSON')
    .action((options: KeygenOptions) => keygen(options));
  return audit;
}

async function withSink(options: Common, work: (sink: AuditSink) => Promise<void>): Promise<void> {
  const config = loadConfig(options.config);
  const spec = config.store.audit;
  if (spec === 'memory' || spec === 'jsonl:-') throw new UsageError(`the audit log goes to ${spec === 'memory' ? 'memory' : 'stdout'}: there is nothing to read back`);
  const sink = await openAuditSink(spec);
  try {
    await work(sink);
  } finally {
    await sink.close();
  }
}

async function tail(sink: AuditSink, options: TailOptions): Promise<void> {
  const lines = Number(options.lines);
  if (!Number.isInteger(lines) || lines < 1) throw new UsageError(`--lines: "${options.lines}" is not a positive whole number`);
  const filter: AuditFilter = {
    ...(options.grant && { grant: options.grant }),
    ...(options.tool && { tool: options.tool }),
    ...(options.server && { server: options.server }),
    ...(options.decision && { decision: options.decision }),
    ...(options.since && { since: Date.now() - durationOption('--since', options.since) }),
  };
  // Newest first, page by page, until `lines` decisions are read: everything newer than the oldest of them is read
  // too, so each shown decision comes with its outcome, however the entries of concurrent calls interleave.
  const entries: ChainedEntry[] = [];
  let decisions = 0;
  let page: AuditResult = { entries: [], next: undefined };
  do {
    page = await sink.query(filter, { limit: 500, order: 'desc', ...(page.next !== undefined && { after: page.next }) });
    for (const chained of page.entries) {
      if (decisions === lines) break;
      entries.push(chained);
      if (chained.entry.kind === 'decision' || isEvent(chained.entry)) decisions++;
    }
  } while (decisions < lines && page.next !== undefined);
  entries.reverse();
  print(options, rows(entries).filter((row) => !('requestId' in row) || row.decision));
  if (!options.follow) return;
  let after = entries.at(-1)?.seq ?? 0;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, FOLLOW_EVERY_MS));
    const fresh = await sink.query(filter, { limit: 1_000, after, order: 'asc' });
    if (fresh.entries.length === 0) continue;
    after = fresh.entries.at(-1)!.seq;
    print(options, rows(fresh.entries));
  }
}

/** A request, a pin event, an approval event or a policy change, in the order of the log. */
type Row = AuditRequest | AuditEvent;

function rows(entries: readonly ChainedEntry[]): Row[] {
  return [...joinOutcomes(entries), ...eventsOf(entries)].sort((a, b) => a.seq - b.seq);
}

function print(options: Common, rows: Row[]): void {
  for (const row of rows) {
    const text = 'pin' in row ? pinLine(row.pin) : 'approval' in row ? approvalLine(row.approval) : 'policy' in row ? policyLine(row.policy) : line(row);
    process.stdout.write(options.json ? `${JSON.stringify(row)}\n` : `${text}\n`);
  }
}

/** An approval event on one line: when, whose call of which tool, what happened, by whom and why. */
function approvalLine({ time, approval, event, grant, server, tool, by, reason }: ApprovalEntry): string {
  return `${iso(time)}  ${grant.label}  ${server}  tool ${tool}  approval ${approval} ${event}${by ? ` by ${by}` : ''}${reason ? `: ${reason}` : ''}`;
}

/** A policy change on one line: when, which server (and tool), what was done, by whom, from which version to which. */
function policyLine({ time, server, tool, event, rule, to, version, previous, by }: PolicyEntry): string {
  const what = `${event}${rule ? ` ${rule}` : ''}${to === undefined ? '' : ` to version ${to}`}`;
  return `${iso(time)}  ${server}${tool === undefined ? '' : `  tool ${tool}`}  policy ${what} by ${by}  ${previous ?? '(none)'} → ${version}`;
}

/** A pin event on one line: when, which tool, what became of its definition, and what the change introduced. */
function pinLine({ time, server, tool, event, digest, by, changes }: PinEntry): string {
  return `${iso(time)}  ${server}  tool ${tool}  ${event}${by ? ` by ${by}` : ''}  ${digest.slice(0, 12)}${changes?.length ? `  ${changes.join('; ')}` : ''}`;
}

/** One request on one line: when, who, what, the decision and why, and how it ended. */
function line({ requestId, decision, outcome }: AuditRequest): string {
  if (!decision) return `${iso(outcome!.time)}  (decision not shown)  ${requestId}  ${outcome!.status}`;
  const why = decision.decision === 'allowed' ? '' : `  ${decision.rule ?? ''}  ${decision.message ?? ''}`;
  const ended = outcome ? `  ${outcome.status}${outcome.errorCode === undefined ? '' : ` ${outcome.errorCode}`}  ${outcome.upstreamMs} ms upstream` : '';
  return `${iso(decision.time)}  ${decision.grant.label}  ${decision.server}  ${decision.method}${decision.tool === undefined ? '' : ` ${decision.tool}`}  ${decision.decision}${why}${ended}`;
}

const iso = (ms: number) => new Date(ms).toISOString();
