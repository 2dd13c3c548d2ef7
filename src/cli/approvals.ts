import { userInfo } from 'node:os';
import { Command } from 'commander';
import type { ApprovalRequest } from '../approvals/approval.js';
import { APPROVAL_STATES, type ApprovalState } from '../approvals/approval.js';
import type { ApprovalStore } from '../approvals/approval-store.js';
import { approvalEntry, ApprovalError, Approvals, type ApprovalEvent } from '../approvals/approvals.js';
import { approverNamed } from '../approvals/approver-groups.js';
import { openApprovalStore } from '../approvals/open-approval-store.js';
import type { AuditSink } from '../audit/audit-sink.js';
import { loadConfig } from '../config/load.js';
import type { GatewayConfig } from '../config/schema.js';
import { openAuditLog } from './audit-log.js';
import { UsageError } from './errors.js';
import { CONFIG_HELP } from './config-file.js';

interface Common {
  config: string;
  json?: boolean;
}

interface DecideOptions extends Common {
  as?: string;
  reason?: string;
}

/**
 * `toolgate approvals list|show|approve|deny`: the calls waiting for a person, decided from another terminal against
 * the running gateway's store. A held call goes on (or is refused) within a quarter of a second.
 */
export function approvalsCommand(): Command {
  const approvals = new Command('approvals').description('calls waiting for a person’s approval').enablePositionalOptions();
  const common = (command: Command) => command.option('-c, --config <file>', CONFIG_HELP).option('--json', 'print JSON');

  common(approvals.command('list'))
    .description('the approval requests, newest first (pending ones unless --state says otherwise)')
    .option('--state <state>', `only this state (${APPROVAL_STATES.join(', ')}, or all)`, 'pending')
    .option('-s, --server <name>', 'only this server')
    .option('-g, --grant <label>', 'only this grant (label or id)')
    .action((options: Common & { state: string; server?: string; grant?: string }) =>
      withApprovals(options, async ({ store }) => {
        if (options.state !== 'all' && !APPROVAL_STATES.includes(options.state as ApprovalState)) throw new UsageError(`--state: expected one of ${APPROVAL_STATES.join(', ')} or all, not "${options.state}"`);
        const filter = { ...(options.state !== 'all' && { state: options.state as ApprovalState }), ...(options.server && { server: options.server }), ...(options.grant && { grant: options.grant }) };
        const requests = await store.list(filter, 200);
        if (options.json) process.stdout.write(`${JSON.stringify(requests)}\n`);
        else if (requests.length === 0) process.stdout.write(`no ${options.state === 'all' ? '' : `${options.state} `}approval requests\n`);
        else for (const request of requests) process.stdout.write(`${line(request)}\n`);
      }),
    );

  common(approvals.command('show <id>'))
    .description('one request: the call it is bound to, what approvers are shown, and every decision')
    .action((id: string, options: Common) =>
      withApprovals(options, async ({ store }) => {
        const request = await store.get(id);
        if (!request) throw new UsageError(`no approval request ${id}`);
        process.stdout.write(options.json ? `${JSON.stringify(request)}\n` : details(request));
      }),
    );

  for (const verdict of ['approve', 'deny'] as const) {
    common(approvals.command(`${verdict} <id>`))
      .description(verdict === 'approve' ? 'approve a pending request: the call it is bound to goes through, once' : 'deny a pending request: its call is refused')
      .option('--as <name>', 'who decides (an approver name; default: your user name)')
      .option('--reason <text>', 'why, recorded and shown to the agent')
      .action((id: string, options: DecideOptions) =>
        withApprovals(options, async ({ service, config }) => {
          const name = options.as ?? userInfo().username;
          try {
            const request = await service.decide(id, approverNamed(config.approvals.groups, name), verdict, options.reason);
            process.stdout.write(options.json ? `${JSON.stringify(request)}\n` : `${request.id} is ${request.state}${request.state === 'pending' ? ` (${approvalsOf(request)} of ${request.quorum} approvals)` : ''}\n`);
          } catch (error) {
            if (!(error instanceof ApprovalError)) throw error;
            process.stderr.write(`toolgate: ${error.message}\n`);
            process.exitCode = 1;
          }
        }),
      );
  }
  return approvals;
}

async function withApprovals(options: Common, work: (parts: { store: ApprovalStore; service: Approvals; config: GatewayConfig }) => Promise<void>): Promise<void> {
  const config = loadConfig(options.config);
  if (config.store.approvals === 'memory') throw new UsageError('approval requests are kept in memory: only the running gateway has them');
  const store = await openApprovalStore(config.store.approvals);
  let audit: AuditSink | undefined;
  try {
    const record = async (event: ApprovalEvent) => {
      if (!config.audit.enabled) return;
      audit ??= await openAuditLog(config.store.audit, 'a decision');
      await audit.append(approvalEntry(event, Date.now()));
    };
    await work({ store, service: new Approvals({ store, record }), config });
  } finally {
    await audit?.close();
    await store.close();
  }
}

const approvalsOf = (request: ApprovalRequest) => new Set(request.decisions.filter((d) => d.verdict === 'approve').map((d) => d.approver)).size;

function line(request: ApprovalRequest): string {
  const { grant, server, tool } = request.binding;
  const left = request.state === 'pending' ? `  ${Math.max(0, Math.ceil((request.expiresAt - Date.now()) / 60_000))} min left` : '';
  return `${request.id}  ${request.state}  ${grant.label}  ${server}  ${tool}  ${new Date(request.createdAt).toISOString()}${left}`;
}

function details(request: ApprovalRequest): string {
  const { grant, server, tool, argsDigest, policy, pin } = request.binding;
  const lines = [
    `${request.id}  ${request.state}`,
    `  call       ${server} ${tool}, by grant ${grant.label} (${grant.id})`,
    `  arguments  ${JSON.stringify(request.shown.arguments ?? null)}  (sha256 ${argsDigest})`,
    ...(request.shown.message ? [`  message    ${request.shown.message}`] : []),
    `  policy     ${policy}  rule ${request.rule}${pin ? `  definition ${pin.slice(0, 12)}` : ''}`,
    `  approvers  ${request.approvers.length > 0 ? request.approvers.join(', ') : 'any'}; ${request.quorum} needed`,
    `  asked      ${new Date(request.createdAt).toISOString()}, expires ${new Date(request.expiresAt).toISOString()}`,
    ...request.decisions.map((d) => `  ${d.verdict === 'approve' ? 'approved' : 'denied'}  by ${d.approver} at ${new Date(d.at).toISOString()}${d.reason ? `: ${d.reason}` : ''}`),
  ];
  return `${lines.join('\n')}\n`;
}
