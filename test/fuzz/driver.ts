/* eslint-disable @typescript-eslint/no-explicit-any -- answers off the wire are raw JSON */
import { closeSync, openSync, readSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { PassThrough } from 'node:stream';
import type { AuditSink } from '../../src/audit/audit-sink.js';
import type { Caller } from '../../src/grants/authenticator.js';
import { MemoryAuditSink } from '../../src/audit/memory-sink.js';
import { StdioEndpoint } from '../../src/gateway/stdio-endpoint.js';
import { CLIENT_CAPABILITIES_META_KEY, PROTOCOL_VERSION_META_KEY } from '../../src/protocol/eras.js';
import type { RunningGateway } from '../e2e/harness.js';
import type { AuditedDecision, Exchange } from './invariants.js';
import type { Draft, Endpoint, Envelope, Probe } from './messages.js';

/**
 * Sends probes to a running gateway and collects what happened: the answers, what the recording upstream received,
 * and the audit entries appended meanwhile.
 */

export const MODERN = '2026-07-28';
const HTTP_TIMEOUT_MS = 15_000;
const STDIO_TIMEOUT_MS = 15_000;
const LEGACY_VERSIONS = ['2025-11-25', '2025-06-18', '2025-03-26'] as const;
const PATHS: Record<Endpoint, string> = { rec: '/mcp/rec', aggregate: '/mcp' };

/** Visible ASCII, space and tab (what a header may carry as it is), not looking like the Base64 sentinel. */
const headerSafe = (value: string) => /^[\x21-\x7E]([\x20-\x7E\t]*[\x21-\x7E])?$/.test(value) && !value.startsWith('=?base64?');
const sentinel = (value: string) => `=?base64?${Buffer.from(value, 'utf8').toString('base64')}?=`;

/** Reads what the recording upstream wrote since the last read. */
export class Recording {
  private offset = 0;
  private partial = '';
  readonly ids = new Set<unknown>();

  constructor(private readonly file: string) {}

  /** The newest ids only: a cancellation names a call in flight, and long runs must not grow without bound. */
  private remember(id: unknown): void {
    this.ids.add(id);
    if (this.ids.size > 20_000) for (const old of [...this.ids].slice(0, 10_000)) this.ids.delete(old);
  }

  read(): any[] {
    const fd = openSync(this.file, 'r');
    const chunks: Buffer[] = [];
    try {
      const buffer = Buffer.alloc(1 << 20);
      for (;;) {
        const n = readSync(fd, buffer, 0, buffer.length, this.offset);
        if (n === 0) break;
        this.offset += n;
        chunks.push(Buffer.from(buffer.subarray(0, n)));
      }
    } finally {
      closeSync(fd);
    }
    const lines = (this.partial + Buffer.concat(chunks).toString('utf8')).split('\n');
    this.partial = lines.pop() ?? '';
    return lines.map((line) => {
      try {
        const message = JSON.parse(line) as any;
        if (message && typeof message === 'object' && 'id' in message && 'method' in message) this.remember(message.id);
        return message;
      } catch {
        return line;
      }
    });
  }
}

/** The decision entries appended since the last read. */
export class AuditReader {
  private seq = 0;

  constructor(private readonly sink: AuditSink) {}

  async read(): Promise<AuditedDecision[]> {
    const found: AuditedDecision[] = [];
    const keep = (entries: readonly { seq: number; entry: any }[]) => {
      for (const { seq, entry } of entries) {
        this.seq = Math.max(this.seq, seq);
        if (entry.kind === 'decision') found.push({ requestId: entry.requestId, method: entry.method, tool: entry.tool, decision: entry.decision });
      }
    };
    if (this.sink instanceof MemoryAuditSink) {
      // The memory sink holds its entries in seq order: reading past the last seen one keeps long runs linear.
      const entries = this.sink.entries;
      let start = entries.length;
      while (start > 0 && entries[start - 1]!.seq > this.seq) start--;
      keep(entries.slice(start));
      return found;
    }
    for (;;) {
      const page = await this.sink.query({}, { limit: 1000, after: this.seq });
      keep(page.entries);
      if (page.next === undefined) return found;
    }
  }
}

/** One stdio endpoint of the gateway, over in-memory streams; requests are answered by id. */
class StdioLane {
  readonly input = new PassThrough();
  private readonly waiting = new Map<unknown, (answer: any) => void>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(running: RunningGateway, endpoint: Endpoint, caller: Caller) {
    const output = new PassThrough();
    const route = running.gateway.route(endpoint === 'rec' ? 'rec' : undefined)!;
    void new StdioEndpoint(running.gateway, route, caller, this.input, output).run();
    createInterface({ input: output }).on('line', (line) => {
      let message: any;
      try {
        message = JSON.parse(line);
      } catch {
        return;
      }
      if (message?.method === 'notifications/subscriptions/acknowledged') {
        // A listen stream stays open until the client leaves: it counts as answered, and is cancelled.
        const id = message.params?._meta?.['io.modelcontextprotocol/subscriptionId'];
        const waiter = this.waiting.get(keyOf(id));
        this.waiting.delete(keyOf(id));
        waiter?.(undefined);
        this.write({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id } });
        return;
      }
      if (message && 'method' in message) return;
      const key = keyOf(message?.id);
      const waiter = this.waiting.get(key);
      if (waiter) {
        this.waiting.delete(key);
        waiter(message);
      }
    });
  }

  write(message: unknown): void {
    this.input.write((typeof message === 'string' ? message : JSON.stringify(message)) + '\n');
  }

  /** Sends one line and waits for its answer when it should get one; lines go one at a time. */
  send(line: string, expects: 'none' | { id: unknown }): Promise<{ answers: any[]; failure?: string }> {
    const next = this.queue.then(
      () =>
        new Promise<{ answers: any[]; failure?: string }>((resolve) => {
          if (expects === 'none') {
            this.input.write(line + '\n');
            resolve({ answers: [] });
            return;
          }
          const key = keyOf(expects.id);
          const timer = setTimeout(() => {
            this.waiting.delete(key);
            resolve({ answers: [], failure: `stdio: no answer within ${STDIO_TIMEOUT_MS} ms` });
          }, STDIO_TIMEOUT_MS);
          this.waiting.set(key, (answer) => {
            clearTimeout(timer);
            resolve({ answers: answer === undefined ? [] : [answer] });
          });
          this.input.write(line + '\n');
        }),
    );
    this.queue = next;
    return next;
  }
}

const keyOf = (id: unknown) => JSON.stringify(id ?? null);

/**
 * What a JSON-RPC peer must answer to one line (JSON-RPC 2.0 §4–5): nothing to a notification or a response,
 * an answer with the request's id to a request, an error with a null id to anything it cannot read.
 */
function expectedAnswer(text: string): 'none' | { id: unknown } {
  if (text.trim() === '') return 'none';
  let value: any;
  try {
    value = JSON.parse(text);
  } catch {
    return { id: null };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value.jsonrpc !== '2.0') return { id: null };
  const hasId = 'id' in value;
  const validId = typeof value.id === 'string' || typeof value.id === 'number';
  if (hasId && !validId && value.id !== null) return { id: null };
  if ('params' in value && (typeof value.params !== 'object' || value.params === null || Array.isArray(value.params))) return { id: null };
  if (typeof value.method === 'string') return !hasId ? 'none' : value.id === null ? { id: null } : { id: value.id };
  if ('method' in value) return { id: null };
  return hasId && ('result' in value || 'error' in value) ? 'none' : { id: null };
}

interface Sessions {
  /** Legacy sessions by endpoint and protocol version. */
  byEndpoint: Record<Endpoint, Record<(typeof LEGACY_VERSIONS)[number], string>>;
}

export class Driver {
  private counter = 0;
  private sessions!: Sessions;
  private stdio!: Record<Endpoint, StdioLane>;
  readonly recording: Recording;
  readonly audit: AuditReader;

  constructor(
    private readonly running: RunningGateway,
    recordingFile: string,
  ) {
    this.recording = new Recording(recordingFile);
    this.audit = new AuditReader(running.gateway.auditLog!);
  }

  async open(): Promise<void> {
    const byEndpoint = {} as Sessions['byEndpoint'];
    for (const endpoint of ['rec', 'aggregate'] as const) {
      byEndpoint[endpoint] = {} as Sessions['byEndpoint'][Endpoint];
      for (const version of LEGACY_VERSIONS) byEndpoint[endpoint][version] = await this.initialize(endpoint, version);
    }
    this.sessions = { byEndpoint };
    const outcome = await this.running.gateway.authenticate(undefined);
    if (outcome.kind !== 'ok') throw new Error('auth: none should let the stdio lanes in');
    this.stdio = { rec: new StdioLane(this.running, 'rec', outcome.caller), aggregate: new StdioLane(this.running, 'aggregate', outcome.caller) };
    for (const lane of Object.values(this.stdio)) {
      const answer = await lane.send(JSON.stringify({ jsonrpc: '2.0', id: 'init', method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'fuzz', version: '1' } } }), { id: 'init' });
      if (!answer.answers[0]?.result) throw new Error(`stdio initialize failed: ${JSON.stringify(answer)}`);
      lane.write({ jsonrpc: '2.0', method: 'notifications/initialized' });
    }
  }

  async initialize(endpoint: Endpoint, protocolVersion: string): Promise<string> {
    const response = await fetch(this.running.base + PATHS[endpoint], {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion, capabilities: {}, clientInfo: { name: 'fuzz', version: '1' } } }),
    });
    const session = response.headers.get('mcp-session-id');
    await response.text();
    if (!session) throw new Error(`initialize on ${endpoint} gave no session (HTTP ${response.status})`);
    await fetch(this.running.base + PATHS[endpoint], {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': session, 'mcp-protocol-version': protocolVersion },
      body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
    }).then((r) => r.text());
    return session;
  }

  /** A draft made concrete for a wire: a unique id of its kind, and for 2026-07-28 the `_meta` envelope. */
  materialize(draft: Draft, modern: boolean, envelope: Envelope): Record<string, unknown> {
    const n = ++this.counter;
    const message: Record<string, unknown> = { jsonrpc: 'jsonrpc' in draft ? draft.jsonrpc : '2.0' };
    const ids: Record<Draft['id'], unknown> = {
      number: n,
      string: `f${n}`,
      float: n + 0.25,
      huge: 1e20 + n * 1e6,
      long: `${'L'.repeat(4096)}${n}`,
      negative: -n,
      null: null,
      object: { n },
      array: [n],
      boolean: true,
      absent: undefined,
    };
    if (draft.id !== 'absent') message.id = ids[draft.id];
    message.method = draft.method;
    let params = draft.params === undefined ? undefined : structuredClone(draft.params);
    if (modern && envelope.meta !== 'none' && (params === undefined || (typeof params === 'object' && params !== null && !Array.isArray(params)))) {
      const own = (params as Record<string, unknown> | undefined)?._meta;
      const meta: Record<string, unknown> = typeof own === 'object' && own !== null && !Array.isArray(own) ? { ...own } : {};
      if (envelope.meta !== 'no-version') meta[PROTOCOL_VERSION_META_KEY] = envelope.meta === 'other-version' ? '2026-13-01' : MODERN;
      if (envelope.meta !== 'no-capabilities') meta[CLIENT_CAPABILITIES_META_KEY] = {};
      params = { ...(params as object | undefined), _meta: meta };
    }
    if (params !== undefined) message.params = params;
    return message;
  }

  /** Sends one probe and records the exchange. */
  async send(probe: Probe): Promise<Exchange> {
    const modern = probe.wire === 'modern';
    let body: string;
    let sent: unknown;
    const { payload } = probe;
    if (payload.kind === 'message') {
      sent = this.materialize(payload.draft, modern, probe.envelope);
      body = JSON.stringify(sent);
    } else if (payload.kind === 'batch') {
      sent = payload.drafts.map((d) => this.materialize(d, modern, probe.envelope));
      body = JSON.stringify(sent);
    } else {
      body = payload.text.replaceAll('ID', String(++this.counter));
      try {
        sent = JSON.parse(body);
      } catch {
        sent = body;
      }
    }
    const lane = `${probe.wire} ${PATHS[probe.endpoint]}`;
    if (probe.wire === 'stdio') {
      const line = body.replace(/[\r\n]/g, ' ');
      const { answers, failure } = await this.stdio[probe.endpoint].send(line, expectedAnswer(line));
      return { lane, sent: line === body ? sent : line, answers, ...(failure && { failure }), status: failure ? undefined : 200 };
    }
    const headers = this.headers(probe, sent);
    return { lane, sent, headers, ...(await this.post(PATHS[probe.endpoint], headers, body, probe.payload.kind !== 'raw' && probe.payload.kind === 'message' && (sent as any).method === 'subscriptions/listen')) };
  }

  private headers(probe: Probe, sent: unknown): Record<string, string> {
    const { envelope } = probe;
    const headers: Record<string, string> = {};
    if (envelope.contentType !== undefined) headers['content-type'] = envelope.contentType;
    if (envelope.accept !== undefined) headers.accept = envelope.accept;
    const sessions = this.sessions.byEndpoint;
    const other = probe.endpoint === 'rec' ? 'aggregate' : 'rec';
    const batch = Array.isArray(sent);
    const version = batch ? '2025-03-26' : LEGACY_VERSIONS[this.counter % LEGACY_VERSIONS.length]!;
    const versions: Record<Envelope['versionHeader'], string | undefined> = {
      wire: probe.wire === 'modern' ? MODERN : version,
      none: undefined,
      legacy: '2025-06-18',
      modern: MODERN,
      bogus: '1999-01-01',
    };
    const versionHeader = versions[envelope.versionHeader];
    if (versionHeader !== undefined) headers['mcp-protocol-version'] = versionHeader;
    if (probe.wire === 'legacy') {
      const session = {
        own: sessions[probe.endpoint][version],
        missing: undefined,
        unknown: 'no-such-session',
        'other-endpoint': sessions[other][version],
        'batch-session': sessions[probe.endpoint]['2025-03-26'],
      }[envelope.session];
      if (session !== undefined) headers['mcp-session-id'] = session;
      return headers;
    }
    const message = (batch ? (sent as unknown[])[0] : sent) as any;
    const method = message?.method;
    const params = message?.params;
    if (envelope.modernHeaders === 'missing' || typeof method !== 'string') return headers;
    if (envelope.modernHeaders === 'wrong-method') headers['mcp-method'] = method === 'tools/list' ? 'tools/call' : 'tools/list';
    else if (headerSafe(method)) headers['mcp-method'] = method;
    const field = method === 'tools/call' || method === 'prompts/get' ? 'name' : method === 'resources/read' ? 'uri' : undefined;
    const value = field && params && typeof params === 'object' ? params[field] : undefined;
    if (typeof value === 'string') {
      if (envelope.modernHeaders === 'wrong-name') headers['mcp-name'] = value === 'read_thing' ? 'refund' : 'read_thing';
      else headers['mcp-name'] = envelope.modernHeaders === 'base64-name' || !headerSafe(value) ? sentinel(value) : value;
    }
    return headers;
  }

  private async post(path: string, headers: Record<string, string>, body: string, listens: boolean): Promise<Pick<Exchange, 'status' | 'answers' | 'failure'>> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), HTTP_TIMEOUT_MS);
    let progress = 'no response headers';
    try {
      const response = await fetch(this.running.base + path, { method: 'POST', headers, body, signal: controller.signal });
      progress = `HTTP ${response.status} ${response.headers.get('content-type')}, no body`;
      const type = response.headers.get('content-type') ?? '';
      if (!type.includes('text/event-stream')) {
        const text = await response.text();
        let parsed: unknown;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          parsed = { unparsed: text };
        }
        return { status: response.status, answers: parsed === undefined ? [] : Array.isArray(parsed) ? parsed : [parsed] };
      }
      // An SSE answer: JSON-RPC messages as `data:` lines; the responses among them are the answers.
      const answers: any[] = [];
      const decoder = new TextDecoder();
      let buffered = '';
      let listening = false;
      reading: for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffered += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffered.indexOf('\n\n')) !== -1) {
          const event = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          const data = event
            .split('\n')
            .filter((l) => l.startsWith('data:'))
            .map((l) => l.slice(5).trim())
            .join('\n');
          if (!data) continue;
          const message = JSON.parse(data) as any;
          progress = `HTTP ${response.status} stream, last event ${data.slice(0, 200)}`;
          // A listen stream is open until the client leaves: leaving (closing the stream) is the client's part.
          if (message?.method === 'notifications/subscriptions/acknowledged' && listens) {
            listening = true;
            break reading;
          }
          if (message && !('method' in message)) answers.push(message);
        }
      }
      if (listening) controller.abort();
      return { status: response.status, answers };
    } catch (error) {
      return { answers: [], failure: controller.signal.aborted ? `HTTP: no answer within ${HTTP_TIMEOUT_MS} ms (${progress})` : `HTTP: ${(error as Error).message} (${progress})` };
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * A call that must go through, sent after a batch: the upstream reads its stdin in order, so once this is
   * answered everything the batch caused upstream has been written down.
   */
  async sentinel(): Promise<Exchange> {
    const sent = { jsonrpc: '2.0', id: `sentinel-${++this.counter}`, method: 'tools/call', params: { name: 'read_thing', arguments: { id: 'sentinel' } } };
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': this.sessions.byEndpoint.rec['2025-11-25'], 'mcp-protocol-version': '2025-11-25' };
    return { lane: 'sentinel legacy /mcp/rec', sent, headers, ...(await this.post('/mcp/rec', headers, JSON.stringify(sent), false)) };
  }
}
