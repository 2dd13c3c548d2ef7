import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { classify, ErrorCode, errorResponse, paramsOf, type JSONRPCMessage, type JSONRPCNotification, type JSONRPCRequest, type JSONRPCResponse } from '../protocol/jsonrpc.js';
import { PROTOCOL_VERSION_META_KEY } from '../protocol/eras.js';
import type { Caller } from '../grants/authenticator.js';
import type { Gateway } from './gateway.js';
import type { Route } from './route.js';
import { Session, type Credential, type Outbound } from './session.js';

/**
 * The gateway as a stdio MCP server, so it can stand in a client's `mcpServers` entry. One client per process:
 * `initialize` opens its legacy session; a request with the 2026-07-28 envelope is served on its own.
 */
export class StdioEndpoint {
  private session?: Session;
  private readonly outbound: Outbound;
  /** What the session's grant is checked again by while it lives. */
  private readonly credential: Credential;

  constructor(
    private readonly gateway: Gateway,
    private readonly route: Route,
    /** The grant this process serves: named on the command line, since stdio has no headers. */
    private readonly caller: Caller,
    private readonly input: Readable = process.stdin,
    output: Writable = process.stdout,
  ) {
    this.credential = { named: caller.label };
    this.outbound = {
      send: (message) => output.write(JSON.stringify(message) + '\n') || true,
    };
  }

  /** Serves until the input ends. */
  run(): Promise<void> {
    const lines = createInterface({ input: this.input, crlfDelay: Infinity });
    lines.on('line', (line) => {
      if (line.trim()) void this.receive(line);
    });
    return new Promise((resolve) => lines.once('close', resolve));
  }

  private async receive(line: string): Promise<void> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      this.outbound.send(errorResponse(null, ErrorCode.ParseError, 'Parse error: the line is not valid JSON'));
      return;
    }
    const classified = classify(parsed);
    if ('invalid' in classified) {
      this.outbound.send(errorResponse(null, ErrorCode.InvalidRequest, `Invalid Request: ${classified.invalid}`));
      return;
    }
    if (classified.kind === 'response') {
      this.session?.answer(classified.message as JSONRPCResponse);
      return;
    }
    const message = classified.message as JSONRPCRequest;
    if (classified.kind === 'notification') {
      this.gateway.notification(this.route, this.session, message as JSONRPCNotification);
      return;
    }
    this.outbound.send(await this.request(message));
  }

  private async request(request: JSONRPCRequest): Promise<JSONRPCMessage> {
    // As over HTTP, every request proves the grant again: a revocation or expiry holds from the next one.
    const proved = await this.gateway.named(this.caller.label).catch(() => undefined);
    if (proved?.kind !== 'ok' || proved.caller.id !== this.caller.id) {
      const why = proved === undefined ? 'the grant store is unavailable' : proved.kind === 'rejected' ? proved.description : `grant "${this.caller.label}" was replaced`;
      return errorResponse(request.id, ErrorCode.InvalidRequest, `Unauthorized: ${why}`);
    }
    const params = paramsOf(request);
    if ((params._meta as Record<string, unknown> | undefined)?.[PROTOCOL_VERSION_META_KEY] !== undefined) {
      const session = this.gateway.statelessSession(this.route, this.caller, this.credential, request);
      return session instanceof Session ? this.gateway.handle(session, request, { outbound: this.outbound }) : session;
    }
    if (request.method === 'initialize') {
      if (this.session) this.gateway.endSession(this.session);
      const { session, result } = await this.gateway.openSession(this.route, this.caller, this.credential, params, 'stdio');
      session.standalone = this.outbound;
      this.session = session;
      return { jsonrpc: '2.0', id: request.id, result } as JSONRPCMessage;
    }
    if (!this.session) {
      return errorResponse(request.id, ErrorCode.InvalidRequest, 'send initialize first, or the 2026-07-28 _meta envelope with every request');
    }
    // Ended by the gateway (its grant lost, or the session bounds): the client initializes again.
    if (this.session.isClosed) return errorResponse(request.id, ErrorCode.InvalidRequest, 'the session ended: send initialize again');
    return this.gateway.handle(this.session, request, { outbound: this.outbound });
  }
}
