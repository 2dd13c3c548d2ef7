import type { IncomingMessage, ServerResponse } from 'node:http';
import { AuthenticationUnavailable } from '../grants/authenticator.js';
import { GrantError, type Grants } from '../grants/grants.js';
import type { AuditSink } from '../audit/audit-sink.js';
import { eventsOf, joinOutcomes } from '../audit/join-outcomes.js';
import { grantJson } from '../grants/grant-json.js';
import type { ServerCatalogue } from '../catalog/catalogue.js';
import type { ApprovalDesk } from '../approvals/approval-desk.js';
import { ApprovalFeed } from '../approvals/approval-feed.js';
import { ApprovalError } from '../approvals/approvals.js';
import { approverNamed } from '../approvals/approver-groups.js';
import { approvalsQuery, auditQuery, catalogQuery, decisionRequest, newGrantRequest, rotateRequest, validate, validateQuery } from './admin-json.js';
import { AUDIT_OFF, auditRequestRoute } from './audit-request-route.js';
import { overviewRoute } from './overview-route.js';
import type { RecentActivity } from '../observability/recent-activity.js';
import type { AdminAuthenticator, AdminIdentity } from './admin-identity.js';
import { streamApprovalEvents, type OpenEventStreams } from './approval-event-stream.js';
import type { ConsoleSessionStore } from './console-sessions.js';
import { sessionAdmin } from './cookie-session.js';
import type { ServerStatus } from '../gateway/server-statuses.js';
import { HttpError } from '../http/http-error.js';
import { sendError, sendJson } from '../http/send-json.js';
import { decodeSegment, readJsonObject } from './json-http.js';
import { PolicyRoutes, type ServerPolicies } from './policy-routes.js';
import { catalogChangeRoutes, knownServer } from './catalog-change-routes.js';
import type { DefinitionReview } from '../catalog/definition-review.js';

/** The gateway's servers, read by `GET /admin/servers`, and their catalogue, read by `GET /admin/catalog`. */
export interface CatalogSource {
  /** Every configured server, in the configuration's order. */
  readonly servers: readonly string[];
  /** Every upstream, connected or not, with its transport, tool count and restarts. */
  statuses(): Promise<ServerStatus[]>;
  /** The named servers' tools, classified, with the effect of each server's policy. */
  catalogue(servers: readonly string[]): Promise<ServerCatalogue[]>;
}

export interface AdminApiOptions {
  grants: Grants;
  /** The audit log, read by `GET /admin/audit`; undefined when it is off. */
  audit?: AuditSink;
  catalog: CatalogSource;
  /** The console's sessions, when the console is on: their cookie signs in as the Bearer header does. */
  sessions?: ConsoleSessionStore;
  /** Each server's policy, read and changed under `/admin/policies`. */
  policies: ServerPolicies;
  /** Changed tool definitions held for review, under `/admin/catalog/changes`; undefined when pinning is off. */
  pins?: DefinitionReview;
  /** The tally of recent tool calls, read by `GET /admin/overview`. */
  activity: RecentActivity;
  /** The approval requests, listed, watched and decided under `/admin/approvals`. */
  approvals: ApprovalDesk;
  /** `approvals.groups` from the configuration: an admin is in the groups that list its label. */
  groups: Readonly<Record<string, readonly string[]>>;
  /** Who may sign in (`adminAuthenticatorFor`): the API is off when nobody can. */
  admins: AdminAuthenticator;
  /** A reading of the approval store for the event stream failed. */
  feedFailed?: (error: unknown) => void;
}

/** A grant request is a few hundred bytes; anything near this is not one. */
const MAX_BODY_BYTES = 64 * 1024;
const REALM = 'Bearer realm="toolgate-admin"';
const GRANT_PATH = /^\/admin\/grants\/([^/]+)(\/rotate)?$/;
const APPROVAL_PATH = /^\/admin\/approvals\/([^/]+)(?:\/(approve|deny))?$/;
const ENDPOINTS =
  '/admin/servers, /admin/grants, /admin/grants/<label>, /admin/grants/<label>/rotate, /admin/audit, /admin/audit/<requestId>, /admin/catalog, /admin/catalog/changes, /admin/catalog/changes/<server>/<tool>/approve, /admin/overview, /admin/approvals, /admin/approvals/events, /admin/approvals/<id>, /admin/approvals/<id>/approve|deny, /admin/policies and /admin/policies/<server>[/tools/<tool>|/versions|/rollback|/explain]';

/** A JSON answer (with headers of its own, such as an ETag), or a stream the handler writes itself. */
export type Reply = { status: number; body: unknown; headers?: Record<string, string> } | { stream: (res: ServerResponse) => Promise<void> };

export type Handlers = Partial<Record<string, () => Promise<Reply>>>;

export const ADMIN_OFF = 'the admin API is off: set admin.tokens (toolgate admin token) or admin.jwt in the configuration';

/**
 * The admin HTTP API (`/admin/…`) for managing grants, reading the servers, the audit log and the catalogue, and
 * deciding approval requests, e.g. from the web console. It answers to admins only (an admin token; with
 * `admin.jwt`, an identity provider's token for the admin API; or the session cookie the console signed in for),
 * never to an agent's credential, and shows a grant's token once: in the answer that minted it. Each admin is named
 * (a token's label, a JWT's subject), and decisions are taken as them.
 */
export class AdminApi {
  private readonly grants: Grants;
  private readonly audit?: AuditSink;
  private readonly catalog: CatalogSource;
  private readonly sessions?: ConsoleSessionStore;
  private readonly pins?: DefinitionReview;
  private readonly activity: RecentActivity;
  private readonly approvals: ApprovalDesk;
  private readonly groups: Readonly<Record<string, readonly string[]>>;
  private readonly admins: AdminAuthenticator;
  private readonly feed: ApprovalFeed;
  private readonly policies: PolicyRoutes;
  private readonly eventStreams: OpenEventStreams = new Set();

  constructor({ grants, audit, catalog, sessions, policies, pins, activity, approvals, groups, admins, feedFailed }: AdminApiOptions) {
    this.grants = grants;
    this.audit = audit;
    this.catalog = catalog;
    this.sessions = sessions;
    this.pins = pins;
    this.activity = activity;
    this.approvals = approvals;
    this.groups = groups;
    this.admins = admins;
    this.policies = new PolicyRoutes(policies, audit);
    this.feed = new ApprovalFeed(approvals.store, { ...(feedFailed && { failed: feedFailed }) });
  }

  /** Answers a request for `path` (under `/admin/`). Rejects only on an unexpected failure, such as a store that is down. */
  async handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    try {
      const reply = await this.serve(req, path);
      if ('stream' in reply) await reply.stream(res);
      else sendJson(res, reply.status, reply.body, reply.headers);
    } catch (error) {
      if (error instanceof HttpError) sendError(res, error);
      else if (error instanceof GrantError) sendJson(res, GRANT_ERROR_STATUS[error.reason], { error: error.message });
      else throw error;
    }
  }

  /** Ends the event streams (the gateway closing): each client sees its stream end, not break. */
  close(): void {
    this.feed.close();
    for (const stream of this.eventStreams) stream.end();
  }

  private async serve(req: IncomingMessage, path: string): Promise<Reply> {
    if (!this.admins.configured) throw new HttpError(404, ADMIN_OFF);
    // Before routing, so a caller without the token learns nothing, not even which paths exist.
    const admin = await this.signedIn(req);
    const handlers = this.route(req, path, admin);
    const method = req.method ?? '';
    // Own keys only: a method named like an Object.prototype member must not find one.
    const handler = Object.hasOwn(handlers, method) ? handlers[method] : undefined;
    if (!handler) throw new HttpError(405, `method ${req.method} is not allowed here`, { allow: Object.keys(handlers).join(', ') });
    return handler();
  }

  /** The Bearer header when there is one (a program), else the console's session cookie. */
  private async signedIn(req: IncomingMessage): Promise<AdminIdentity> {
    const { authorization } = req.headers;
    if (authorization === undefined && this.sessions) {
      const admin = await sessionAdmin(req, this.sessions, Date.now());
      if (admin) return admin;
    }
    const outcome = await this.admins.identify(authorization).catch((error: unknown) => {
      // The identity provider's keys cannot be fetched: nothing is let in, and the client keeps its token and retries.
      throw error instanceof AuthenticationUnavailable ? new HttpError(503, error.message, { 'retry-after': '5' }) : error;
    });
    if (outcome.kind === 'ok') return outcome.admin;
    throw new HttpError(401, outcome.description, { 'www-authenticate': outcome.invalidToken ? `${REALM}, error="invalid_token"` : REALM });
  }

  private route(req: IncomingMessage, path: string, admin: AdminIdentity): Handlers {
    if (path === '/admin/servers') return { GET: async () => ({ status: 200, body: { servers: await this.catalog.statuses() } }) };
    if (path === '/admin/grants') return { GET: () => this.list(), POST: () => this.create(req) };
    if (path === '/admin/audit') return { GET: () => this.auditPage(req) };
    if (path === '/admin/catalog') return { GET: () => this.cataloguePage(req) };
    const more = catalogChangeRoutes(req, path, admin, this.catalog.servers, this.pins) ?? auditRequestRoute(path, this.audit) ?? overviewRoute(req, path, this.activity);
    if (more) return more;
    if (path === '/admin/approvals') return { GET: () => this.approvalsPage(req) };
    if (path === '/admin/policies' || path.startsWith('/admin/policies/')) return this.policies.route(req, path, admin);
    if (path === '/admin/approvals/events') return { GET: async () => ({ stream: (res) => streamApprovalEvents(res, this.feed, this.eventStreams) }) };
    const approval = APPROVAL_PATH.exec(path);
    if (approval) {
      const [, id, verdict] = approval as unknown as [string, string, 'approve' | 'deny' | undefined];
      return verdict ? { POST: () => this.decide(req, id, verdict, admin) } : { GET: () => this.approval(id) };
    }
    const match = GRANT_PATH.exec(path);
    if (!match) throw new HttpError(404, `no such admin endpoint: there are ${ENDPOINTS}`);
    const label = decodeSegment(match[1]!, 'label');
    return match[2] ? { POST: () => this.rotate(req, label) } : { DELETE: () => this.revoke(label) };
  }

  /** The approval requests, newest first: pending ones unless `state` says otherwise (`all`: every state). */
  private async approvalsPage(req: IncomingMessage): Promise<Reply> {
    const { state, limit, ...filter } = validateQuery(approvalsQuery, req);
    return { status: 200, body: { approvals: await this.approvals.store.list({ ...filter, ...(state !== 'all' && { state }) }, limit) } };
  }

  private async approval(id: string): Promise<Reply> {
    const request = await this.approvals.store.get(id);
    if (!request) throw new HttpError(404, `no approval request ${id}`);
    return { status: 200, body: { approval: request } };
  }

  /** A decision by the admin who asks, in the groups `approvals.groups` puts that admin's label in. */
  private async decide(req: IncomingMessage, id: string, verdict: 'approve' | 'deny', admin: AdminIdentity): Promise<Reply> {
    const { reason } = validate(decisionRequest, await readJsonObject(req, MAX_BODY_BYTES));
    if (!(await this.approvals.store.get(id))) throw new HttpError(404, `no approval request ${id}`);
    try {
      return { status: 200, body: { approval: await this.approvals.decide(id, approverNamed(this.groups, admin.label), verdict, reason) } };
    } catch (error) {
      // The requester deciding its own call, an admin who is not an approver, a request no longer pending or expired.
      if (error instanceof ApprovalError) throw new HttpError(409, error.message);
      throw error;
    }
  }

  private async list(): Promise<Reply> {
    return { status: 200, body: { grants: (await this.grants.list()).map(grantJson) } };
  }

  private async create(req: IncomingMessage): Promise<Reply> {
    const request = validate(newGrantRequest, await readJsonObject(req, MAX_BODY_BYTES));
    const now = Date.now();
    if (request.expiresAt !== undefined && request.expiresAt <= now) throw new HttpError(400, 'expiresAt: expected a time in the future');
    const expiresAt = request.expires !== undefined ? now + request.expires : (request.expiresAt ?? null);
    const { grant, token } = await this.grants.create({ label: request.label, servers: request.servers, policy: request.policy, expiresAt }, now);
    return { status: 201, body: { grant: grantJson(grant), token } };
  }

  private async rotate(req: IncomingMessage, label: string): Promise<Reply> {
    const { grace } = validate(rotateRequest, await readJsonObject(req, MAX_BODY_BYTES));
    const { grant, token } = await this.grants.rotate(label, { graceMs: grace }, Date.now());
    return { status: 200, body: { grant: grantJson(grant), token } };
  }

  /**
   * One page of the audit log, newest first unless `order=asc`: its requests, each decision with its outcome, and its
   * events (pin reviews, approvals, policy changes; `kind` selects one); `next` is the `after` of the following page.
   */
  private async auditPage(req: IncomingMessage): Promise<Reply> {
    if (!this.audit) throw new HttpError(404, AUDIT_OFF);
    const { limit, after, order, ...filter } = validateQuery(auditQuery, req);
    const { entries, next } = await this.audit.query(filter, { limit, after, order });
    return { status: 200, body: { requests: joinOutcomes(entries), events: eventsOf(entries), ...(next !== undefined && { next }) } };
  }

  /** Every server's tools (or `server`'s), classified, with what the server's policy does to each. */
  private async cataloguePage(req: IncomingMessage): Promise<Reply> {
    const { server } = validateQuery(catalogQuery, req);
    const { servers } = this.catalog;
    if (server !== undefined) knownServer(server, servers);
    return { status: 200, body: { servers: await this.catalog.catalogue(server === undefined ? servers : [server]) } };
  }

  private async revoke(label: string): Promise<Reply> {
    return { status: 200, body: { grant: grantJson(await this.grants.revoke(label, Date.now())) } };
  }
}

const GRANT_ERROR_STATUS = { invalid: 400, taken: 409, unknown: 404 } as const;
