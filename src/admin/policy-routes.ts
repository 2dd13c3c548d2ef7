import type { IncomingMessage } from 'node:http';
import type { AuditSink } from '../audit/audit-sink.js';
import type { PolicyEntry } from '../audit/audit-record.js';
import { DocumentError, parseDocument } from '../documents/errors.js';
import { HttpError } from '../http/http-error.js';
import { explain } from '../policy/decide.js';
import { PolicyChangeError } from '../policy/policy-change-error.js';
import type { LoadedPolicy } from '../policy/parse.js';
import type { PolicyLoad } from '../policy/policy-load.js';
import { PolicyWriter, type PolicyWrite } from '../policy/policy-writer.js';
import type { AdminIdentity } from './admin-identity.js';
import type { Handlers, Reply } from './admin-api.js';
import { explainRequest, rollbackRequest, toolRuleRequest } from './admin-json.js';
import { decodeSegment, readJsonObject } from './json-http.js';

/** The servers' policies as the gateway holds them (gateway/policy-admission.ts). */
export interface ServerPolicies {
  /** Every configured server, in the configuration's order. */
  readonly servers: readonly string[];
  load(server: string): PolicyLoad | undefined;
  /** Reads the server's policy file again now: a write is in force for the next call, not when the watcher fires. */
  reload(server: string): PolicyLoad | undefined;
}

/** A policy document is larger than any other admin request: a thousand tools with conditions fit. */
const MAX_POLICY_BYTES = 1024 * 1024;
const POLICY_PATH = /^\/admin\/policies\/([^/]+)(?:\/(versions|rollback|explain)|\/tools\/([^/]+))?$/;
const BODY = 'the request body';
const CHANGE_STATUS = { conflict: 409, stale: 412, no_such_version: 404 } as const;

/**
 * `/admin/policies…`: each server's policy, what is in force and how its last reload went, and changes to its file
 * (a tool's rule, the whole document, a rollback) through PolicyWriter, so each is validated as `toolgate policy
 * check` validates, kept as a version, in force at once, and recorded in the audit log as the admin who made it.
 */
export class PolicyRoutes {
  constructor(
    private readonly policies: ServerPolicies,
    private readonly audit: AuditSink | undefined,
  ) {}

  /** The handlers for `path` (`/admin/policies` or under it). */
  route(req: IncomingMessage, path: string, admin: AdminIdentity): Handlers {
    if (path === '/admin/policies') return { GET: async () => ({ status: 200, body: { servers: this.policies.servers.map((server) => this.summary(server, this.known(server))) } }) };
    const match = POLICY_PATH.exec(path);
    if (!match) throw new HttpError(404, 'no such admin endpoint: there are /admin/policies, /admin/policies/<server>, /admin/policies/<server>/tools/<tool>, /admin/policies/<server>/versions, …/rollback and …/explain');
    const server = decodeSegment(match[1]!, 'server');
    const [, , action, tool] = match;
    if (tool !== undefined) {
      const name = decodeSegment(tool, 'tool');
      return {
        PUT: () =>
          this.change(req, server, admin, { tool: name, event: 'set' }, (body) => {
            const rule = parseDocument(toolRuleRequest, body, BODY);
            return { apply: (writer, inForce) => writer.setTool(inForce, name, rule), details: { rule: rule.rule } };
          }),
      };
    }
    if (action === 'versions') return { GET: async () => this.versions(server) };
    if (action === 'explain') return { POST: () => this.explain(req, server) };
    if (action === 'rollback') {
      return {
        POST: () =>
          this.change(req, server, admin, { event: 'rolled_back' }, (body) => {
            const { to } = parseDocument(rollbackRequest, body, BODY);
            return { apply: (writer) => writer.rollback(to), details: to === undefined ? {} : { to } };
          }),
      };
    }
    return {
      GET: async () => this.document(server),
      PUT: () => this.change(req, server, admin, { event: 'replaced' }, (body) => ({ apply: (writer) => writer.replace(body), details: {} })),
    };
  }

  private known(server: string): PolicyLoad {
    const load = this.policies.load(server);
    if (!load) throw new HttpError(404, `no server "${server}" (servers: ${this.policies.servers.join(', ')})`);
    return load;
  }

  /** Where a server's policy comes from, the version in force and when it loaded, and the last reload's error. */
  private summary(server: string, { source, loaded, loadedAt, error }: PolicyLoad) {
    return {
      server,
      source: source.kind,
      ...(source.kind === 'file' && { file: source.file }),
      ...(loaded && { dialect: loaded.dialect, version: loaded.compiled.version }),
      ...(loadedAt !== undefined && { loadedAt: new Date(loadedAt).toISOString() }),
      ...(error && { error: { time: new Date(error.time).toISOString(), message: error.message, problems: error.problems } }),
    };
  }

  private async document(server: string): Promise<Reply> {
    const load = this.known(server);
    const version = load.loaded?.compiled.version;
    return { status: 200, body: { ...this.summary(server, load), document: load.loaded?.document ?? null }, headers: version === undefined ? {} : { etag: `"${version}"` } };
  }

  private async versions(server: string): Promise<Reply> {
    const { writer, inForce } = this.writable(server);
    const versions = writer.versions().map(({ file: _, replacedAt, ...version }) => ({ ...version, replacedAt: new Date(replacedAt).toISOString() }));
    return { status: 200, body: { server, version: inForce.compiled.version, versions } };
  }

  /** The decision and trace for one call under the policy in force, as `toolgate policy explain --json` prints them. */
  private async explain(req: IncomingMessage, server: string): Promise<Reply> {
    const load = this.known(server);
    const call = parseDocument(explainRequest, await readJsonObject(req, MAX_POLICY_BYTES), BODY);
    if (!load.loaded) throw new HttpError(409, `server "${server}" has no policy: every call is denied`);
    const { decision, trace } = explain(load.loaded.compiled, { tool: call.tool, args: call.arguments ?? {} });
    return { status: 200, body: { decision, trace, policy: load.loaded.compiled.version } };
  }

  /** A server whose policy is a file, its writer, and the policy in force, read from the file again first so that a change made elsewhere is built on. */
  private writable(server: string): { writer: PolicyWriter; inForce: LoadedPolicy } {
    const { source } = this.known(server);
    if (source.kind !== 'file') {
      const why = source.kind === 'inline' ? 'is written inline in the configuration' : 'is not set (add servers.<name>.policy: <file> to the configuration)';
      throw new HttpError(409, `the policy of "${server}" ${why}: there is no policy file to change`);
    }
    // A policy file loads when the gateway starts, or the gateway does not start.
    const inForce = this.policies.reload(server)!.loaded!;
    return { writer: new PolicyWriter(source.file), inForce };
  }

  /**
   * One change: the body read and checked, then, with nothing else running in between, the file read again,
   * `If-Match` compared with the version in force, the change written and loaded; then recorded as the admin who made it.
   */
  private async change(req: IncomingMessage, server: string, admin: AdminIdentity, what: Pick<PolicyEntry, 'tool' | 'event'>, prepare: (body: Record<string, unknown>) => PreparedChange): Promise<Reply> {
    this.writable(server);
    const body = await readJsonObject(req, MAX_POLICY_BYTES);
    const { apply, details } = refused(() => prepare(body));
    const { writer, inForce } = this.writable(server);
    const current = inForce.compiled.version;
    const expected = ifMatch(req.headers['if-match']);
    if (expected !== undefined && expected !== '*' && expected !== current) {
      throw new HttpError(412, `the policy of "${server}" is version ${current}, not ${expected}: read it again and retry`, { etag: `"${current}"` });
    }
    const written = refused(() => apply(writer, inForce));
    this.policies.reload(server);
    const { version } = written.loaded.compiled;
    const entry: PolicyEntry = { kind: 'policy', time: Date.now(), server, ...what, ...details, version, ...(written.previous !== undefined && { previous: written.previous }), by: admin.label };
    await this.audit?.append(entry);
    return { status: 200, body: { server, version, previous: written.previous, kept: written.kept, notes: written.notes }, headers: { etag: `"${version}"` } };
  }
}

/** A change checked and ready to apply to the policy in force, and what the audit entry says of it. */
interface PreparedChange {
  apply: (writer: PolicyWriter, inForce: LoadedPolicy) => PolicyWrite;
  details: Pick<PolicyEntry, 'rule' | 'to'>;
}

/** A change that cannot be made, as its status: 400 with each problem's pointer, or the PolicyChangeError's own. */
function refused<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof DocumentError) throw new HttpError(400, error.message, {}, { error: error.message, problems: error.problems });
    if (error instanceof PolicyChangeError) {
      throw new HttpError(CHANGE_STATUS[error.reason], error.message, {}, { error: error.message, ...(error.pointer && { problems: [{ pointer: error.pointer, message: error.message }] }) });
    }
    throw error;
  }
}
/** The version `If-Match` names (its first entity tag, weak or strong), `*`, or undefined without the header. */
function ifMatch(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const first = header.split(',')[0]!.trim();
  return first === '*' ? first : first.replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
}
