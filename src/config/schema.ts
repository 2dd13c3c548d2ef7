import { z } from 'zod';
import { documentWords } from '../documents/issue-words.js';
import { jsonShape } from '../documents/json-shape.js';
import { namedRecord } from '../documents/named-record.js';
import { storeConfig, storePlaces } from './store-places.js';
import { DURABILITIES } from '../store/durability.js';
import { duration } from '../policy/schema.js';

/** Server names appear in URLs (`/mcp/<name>`) and in aggregated tool names (`<name>__<tool>`). */
const serverName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9.-]*(?:_[A-Za-z0-9.-]+)*$/, {
    message: 'a server name uses letters, digits, ".", "-" and single "_" (it appears in URLs and tool-name prefixes)',
  });

const protocol = z.enum(['auto', 'legacy', 'modern']).default('auto');

/**
 * What a tool whose definition changed since it was pinned gets: held back until approved (`block`), let through
 * when only its wording changed and nothing was found in it (`review`), let through with a warning (`warn`), or no
 * pinning at all (`off`).
 */
export const PINNING_MODES = ['block', 'review', 'warn', 'off'] as const;
export type PinningMode = (typeof PINNING_MODES)[number];
const pinning = z.enum(PINNING_MODES, { message: 'expected block, review, warn or off' });

/**
 * The server's policy: a file (JSON or YAML, any dialect; reloaded when it changes), or the document itself inline.
 * A server without one denies every call.
 */
const policy = z.union([z.string().min(1), namedRecord(z.string(), z.unknown())], { error: 'expected a policy file path or an inline policy object' });

/**
 * A spawned server, in the `mcpServers` shape clients already use: `type: stdio` (VS Code, Claude Code) and
 * `envFile` (VS Code, Cursor) as they write them.
 */
const stdioServer = z
  .strictObject({
    type: z.literal('stdio', { message: 'expected stdio (a server with "command")' }).optional(),
    command: z.string().min(1),
    args: z.array(z.string()).default([]),
    env: z.record(z.string(), z.string()).default({}),
    /** A dotenv file whose variables the server gets, under its own `env`. */
    envFile: z.string().min(1).optional(),
    cwd: z.string().optional(),
    protocol,
    policy: policy.optional(),
    /** This server's pinning, in place of the gateway's. */
    pinning: pinning.optional(),
  })
  .transform(({ type: _stdio, ...rest }) => rest);

/** The transports a client's `type` names: `http` and `streamable-http` are one, `sse` the deprecated HTTP+SSE. */
const HTTP_TYPES = { http: 'streamable-http', 'streamable-http': 'streamable-http', sse: 'sse' } as const;

/**
 * A remote server; `transport` (or a client's `type: http | sse`) defaults to Streamable HTTP, `sse` selects the
 * deprecated HTTP+SSE transport.
 */
const httpServer = z
  .strictObject({
    type: z.enum(Object.keys(HTTP_TYPES) as [keyof typeof HTTP_TYPES], { message: 'expected http, streamable-http or sse (a server with "url")' }).optional(),
    url: z.url({ protocol: /^https?$/, message: 'expected an http:// or https:// URL' }),
    headers: z.record(z.string(), z.string()).default({}),
    transport: z.enum(['streamable-http', 'sse']).optional(),
    protocol,
    policy: policy.optional(),
    /** This server's pinning, in place of the gateway's. */
    pinning: pinning.optional(),
  })
  .transform(({ type, transport, ...rest }, ctx) => {
    const typed = type === undefined ? undefined : HTTP_TYPES[type];
    if (typed !== undefined && transport !== undefined && typed !== transport) {
      ctx.addIssue({ code: 'custom', path: ['transport'], message: `type: ${type} says ${typed}, transport says ${transport}: give one` });
      return z.NEVER;
    }
    return { ...rest, transport: transport ?? typed ?? 'streamable-http' };
  });

/** Picks the shape by its key (`command` or `url`), so an error speaks of the fields the user meant. */
const server = z.unknown().transform((value, ctx) => {
  const entry = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  if (!entry || Object.hasOwn(entry, 'command') === Object.hasOwn(entry, 'url')) {
    ctx.addIssue({ code: 'custom', message: 'a server needs either "command" (stdio) or "url" (HTTP)' });
    return z.NEVER;
  }
  const parsed = (Object.hasOwn(entry, 'command') ? stdioServer : httpServer).safeParse(entry, { error: documentWords });
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) ctx.addIssue({ ...issue });
  return z.NEVER;
});
// What the picking reads, for the configuration's JSON Schema.
server._zod.toJSONSchema = () => ({ anyOf: [jsonShape(stdioServer), jsonShape(httpServer)] });

/** How the configuration keeps a credential: its SHA-256, so a leaked file does not leak the token. */
const tokenSha256 = z.string().regex(/^[0-9a-f]{64}$/, { message: 'expected 64 lowercase hex digits (the SHA-256 of a token from `toolgate admin token`)' });

/** An admin token's label, as approvers are named in policies (`approvers: [alice]`) and groups. */
export const ADMIN_LABEL = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
export const ADMIN_LABEL_EXPECTED = 'expected a label of letters, digits, ".", "_", "@" or "-" (at most 64, starting with a letter or digit)';
const approverName = z.string().regex(ADMIN_LABEL, { message: ADMIN_LABEL_EXPECTED });

/** The unlabelled admin's label: what `token_sha256` decides approvals as. */
export const UNLABELLED_ADMIN = 'admin';

/** An identity provider's tokens for one audience (agents' `jwt`, or the admin API's `admin.jwt`). */
const jwtIssuer = {
  issuer: z.string().min(1),
  /** This gateway (or its admin API), as the tokens' `aud` names it. */
  audience: z.string().min(1),
  jwks_url: z.url({ protocol: /^https?$/, message: 'expected an http:// or https:// URL' }),
};

/** Each admin credential names one identity: no label twice, and no token under two labels. */
function distinctAdminTokens(admin: { token_sha256?: string; tokens: { label: string; sha256: string }[]; jwt?: unknown }, ctx: z.RefinementCtx): void {
  if (admin.token_sha256 === undefined && admin.tokens.length === 0 && admin.jwt === undefined) {
    ctx.addIssue({ code: 'custom', message: 'expected token_sha256, tokens: [{ label, sha256 }] (toolgate admin token) or jwt: { issuer, audience, jwks_url }' });
  }
  const labels = new Map<string, string>(admin.token_sha256 === undefined ? [] : [[UNLABELLED_ADMIN, 'token_sha256 (the unlabelled admin)']]);
  const hashes = new Map<string, string>(admin.token_sha256 === undefined ? [] : [[admin.token_sha256, 'token_sha256']]);
  admin.tokens.forEach(({ label, sha256 }, i) => {
    const labelOf = labels.get(label);
    if (labelOf) ctx.addIssue({ code: 'custom', path: ['tokens', i, 'label'], message: `"${label}" is the label of ${labelOf} already` });
    const hashOf = hashes.get(sha256);
    if (hashOf) ctx.addIssue({ code: 'custom', path: ['tokens', i, 'sha256'], message: `the same token as ${hashOf}: one token names one admin` });
    labels.set(label, `tokens/${i}`);
    hashes.set(sha256, `tokens/${i}`);
  });
}

const listen = z
  .string()
  .regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, { message: 'expected host:port, like 127.0.0.1:7420' })
  .default('127.0.0.1:7420');

export const configSchema = z
  .strictObject({
    listen,
    /** Extra origins browsers may call from; loopback origins are always allowed. */
    allowed_origins: z.array(z.string()).default([]),
    /** Largest request body accepted, in bytes. */
    max_body_bytes: z.number().int().positive().default(4 * 1024 * 1024),
    /** Sessions open at once (legacy sessions and 2026-07-28 listen streams): in all, and per grant. */
    sessions: z
      .strictObject({
        max: z.number().int().positive().default(10_000),
        max_per_grant: z.number().int().positive().default(1_000),
      })
      .default({ max: 10_000, max_per_grant: 1_000 }),
    store: storeConfig,
    /**
     * The audit log: on unless switched off (a benchmark's baseline); entries older than `retain_days` are pruned.
     * With `signing_key` (an Ed25519 private key file, kept outside the store), the chain's head is signed into the log
     * each minute it moved and at shutdown.
     */
    audit: z
      .strictObject({
        enabled: z.boolean().default(true),
        retain_days: z.number().positive().optional(),
        signing_key: z.string({ error: 'expected the path of an Ed25519 private key file (from `toolgate audit keygen`)' }).min(1, { error: 'expected the path of an Ed25519 private key file (from `toolgate audit keygen`)' }).optional(),
      })
      .default({ enabled: true }),
    /** How agents prove who they are: grant tokens, nobody (one local user, loopback only), or the operator's JWTs. Default: none on loopback, grants elsewhere. */
    auth: z.enum(['grants', 'none', 'jwt'], { message: 'expected grants, none or jwt' }).optional(),
    /** For `auth: jwt`: tokens from the operator's identity provider. */
    jwt: z
      .strictObject({
        ...jwtIssuer,
        /** The claim whose value is the grant label. */
        label_claim: z.string().min(1).default('sub'),
      })
      .optional(),
    /**
     * The admin API (`/admin/…`): on only when a credential is set, as the SHA-256 of its token (`toolgate admin
     * token`). `token_sha256` is the unlabelled admin (it decides approvals as `admin`); each of `tokens` is a person
     * or a console, named by its label in decisions and in `approvals.groups`. With `jwt`, people sign in with the
     * identity provider's tokens for the admin API's own audience, named by their subject claim.
     */
    admin: z
      .strictObject({
        token_sha256: tokenSha256.optional(),
        tokens: z.array(z.strictObject({ label: approverName, sha256: tokenSha256 })).default([]),
        jwt: z
          .strictObject({
            ...jwtIssuer,
            /** The claim that names the admin, as approvers and groups do: one users cannot choose for themselves. */
            subject_claim: z.string().min(1).default('sub'),
          })
          .optional(),
      })
      .superRefine(distinctAdminTokens)
      .optional(),
    /** The web console (`/console`): on wherever the admin API is (an admin credential is set), unless switched off. */
    console: z.strictObject({ enabled: z.boolean().default(true) }).default({ enabled: true }),
    /**
     * Prometheus metrics (`/metrics`): with `token_sha256` set a scrape must bring that token (`toolgate admin token`
     * mints one; use another than the admin API's); without it, only a gateway listening on loopback serves them.
     */
    metrics: z.strictObject({ token_sha256: tokenSha256.optional() }).default({}),
    /** OpenTelemetry traces, off unless set: a span per call, sent over OTLP/HTTP. */
    tracing: z
      .strictObject({
        /** An OTLP/HTTP traces endpoint, like http://127.0.0.1:4318/v1/traces. */
        otlp_endpoint: z.url({ protocol: /^https?$/, message: 'expected an http:// or https:// URL (the OTLP/HTTP traces endpoint)' }),
        headers: z.record(z.string(), z.string()).default({}),
        service_name: z.string().min(1).default('toolgate'),
        /** The share of calls without a sampled parent that are traced. */
        sample_ratio: z.number().min(0).max(1).default(1),
      })
      .optional(),
    /**
     * Approvals: who is in which approver group (`group:<name>` in a policy's `approvers`), and the webhook each new
     * and decided request is POSTed to, signed with `secret`; with `public_url`, the payload carries signed approve
     * and deny links to the gateway, which decide as `link_approver`.
     */
    approvals: z
      .strictObject({
        groups: z.record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._@-]*$/, { message: 'expected a group name' }), z.array(z.string().min(1))).default({}),
        webhook: z
          .strictObject({
            url: z.url({ protocol: /^https?$/, message: 'expected an http:// or https:// URL' }),
            secret: z.string().min(16, { message: 'expected a secret of at least 16 characters (use ${ENV} to keep it out of the file)' }),
            public_url: z.url({ protocol: /^https?$/, message: 'expected the http:// or https:// URL agents and approvers reach the gateway at' }).optional(),
            link_approver: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._@-]*$/, { message: 'expected an approver name' }).default('link'),
          })
          .optional(),
      })
      .default({ groups: {} }),
    /** Tool definitions are pinned when first seen; what a changed one gets (per server: `servers.<name>.pinning`). */
    pinning: pinning.default('block'),
    /** On SIGTERM or SIGINT, how long calls in flight may take to finish before they are cancelled (docs/deployment.md). */
    shutdown: z.strictObject({ grace: duration.default('20s') }).default({ grace: '20s' }),
    /**
     * What the audit log's entries and the counters' reservations survive once written ahead of a call: the gateway's
     * process being killed (`process`), or also a power loss (`power`: synced to disk per batch). store/durability.ts.
     */
    durability: z.enum(DURABILITIES, { message: 'expected process or power' }).default('process'),
    /** When the counter store cannot be reached: refuse calls that need a counter (closed), or let them through uncounted (open). */
    fail_mode: z.enum(['closed', 'open'], { message: 'expected closed or open' }).default('closed'),
    servers: namedRecord(serverName, server).optional(),
    /** Accepted as a synonym of `servers`, so a client's config block can be pasted in as it is. */
    mcpServers: namedRecord(serverName, server).optional(),
    /** VS Code's input prompts, accepted so its `mcp.json` loads as it is; a `${input:…}` that is used is an error. */
    inputs: z.array(z.unknown()).optional(),
  })
  .transform(({ servers, mcpServers, inputs: _prompts, ...rest }, ctx) => {
    if (servers && mcpServers) {
      ctx.addIssue({ code: 'custom', path: ['mcpServers'], message: 'use either "servers" or "mcpServers", not both' });
      return z.NEVER;
    }
    const merged = servers ?? mcpServers ?? {};
    if (Object.keys(merged).length === 0) {
      ctx.addIssue({ code: 'custom', path: ['servers'], message: 'at least one server is required' });
      return z.NEVER;
    }
    if (rest.auth === 'jwt' && !rest.jwt) {
      ctx.addIssue({ code: 'custom', path: ['jwt'], message: 'auth: jwt needs jwt: { issuer, audience, jwks_url }' });
      return z.NEVER;
    }
    const adminJwt = rest.admin?.jwt;
    if (adminJwt && rest.jwt && adminJwt.issuer === rest.jwt.issuer && adminJwt.audience === rest.jwt.audience) {
      ctx.addIssue({ code: 'custom', path: ['admin', 'jwt', 'audience'], message: "the agents' audience (jwt.audience): an agent's token would open the admin API; give the admin API an audience of its own" });
      return z.NEVER;
    }
    const { store, ...others } = rest;
    const placed = storePlaces(store);
    if ('problems' in placed) {
      for (const { path, message } of placed.problems) ctx.addIssue({ code: 'custom', path, message });
      return z.NEVER;
    }
    return { ...others, store: placed.places, servers: merged };
  });

export type GatewayConfig = z.output<typeof configSchema>;
export type ServerConfig = GatewayConfig['servers'][string];
export type StdioServerConfig = z.output<typeof stdioServer>;
export type HttpServerConfig = z.output<typeof httpServer>;

export function isStdioServer(server: ServerConfig): server is StdioServerConfig {
  return 'command' in server;
}
