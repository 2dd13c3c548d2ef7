import { isStdioServer, type ServerConfig } from '../config/schema.js';
import type { JSONRPCResponse, Params } from '../protocol/jsonrpc.js';
import type { Era } from '../protocol/eras.js';
import type { UpstreamInfo } from './handshake.js';
import { UpstreamLine, type CallHooks, type ConnectionOptions, type UpstreamListener, type UpstreamState } from './upstream-line.js';

export type { CallHooks, ConnectionOptions, ServerRequestAnswer, UpstreamListener, UpstreamState } from './upstream-line.js';

/**
 * One upstream server, as the gateway reaches it: one line (`UpstreamLine`) in the era the handshake settled on,
 * and, for a Streamable HTTP server that speaks both eras and keeps legacy sessions, a second line over a legacy
 * session. Each client is served on the line of its own era where there is one, so what a server does only on its
 * session side (server→client requests, resource subscriptions, its own capabilities there) reaches legacy
 * clients as the server meant it; the gateway translates between eras only where the server speaks one.
 *
 * The second line is not opened for stdio (a second process would be a second server, with its own state), nor
 * when the configuration names an era, nor when the server's legacy side keeps no session: a stateless legacy
 * side can carry neither server requests nor subscriptions, so the 2026-07-28 line serves those clients better.
 */
export class UpstreamConnection {
  private readonly primary: UpstreamLine;
  private legacyLine?: UpstreamLine;
  /** The one attempt at a second line, made when the first is first ready. */
  private secondLine?: Promise<void>;
  private closed = false;

  constructor(
    readonly name: string,
    readonly config: ServerConfig,
    private readonly options: ConnectionOptions,
  ) {
    const { listener } = options;
    // A server that was not up when the gateway started is offered the second line once it is.
    const watched: UpstreamListener = {
      onNotification: (server, notification, era) => listener.onNotification(server, notification, era),
      onServerRequest: (server, request, era) => listener.onServerRequest(server, request, era),
      onLog: (server, line) => listener.onLog?.(server, line),
      onStateChange: (server, state, detail, era) => {
        listener.onStateChange?.(server, state, detail, era);
        if (state === 'ready' && !this.secondLine) this.secondLine = this.openSecondLine();
      },
    };
    this.primary = new UpstreamLine(name, config, { ...options, listener: watched });
  }

  /** What the first line learned: the server's identity, and the capabilities lists are read with. */
  get info(): UpstreamInfo | undefined {
    return this.primary.info;
  }

  get currentState(): UpstreamState {
    return this.primary.currentState;
  }

  /** Restarts of the first line: the server's own restarts (a second line is another session, not another server). */
  get restarts(): number {
    return this.primary.restarts;
  }

  /** What the server declared to the line that serves a client of `era`. */
  infoFor(era: Era): UpstreamInfo | undefined {
    return this.line(era).info;
  }

  /** The era the server is reached in for a client of `era`: its own, or the one era the server speaks. */
  eraFor(era: Era): Era {
    return this.line(era).era;
  }

  /** Starts the first line, and then the second where the server may speak both eras. */
  async start(): Promise<void> {
    await this.primary.start();
    await this.secondLine;
  }

  /**
   * Tries a legacy session beside a 2026-07-28 line, once: kept if the server keeps sessions; else legacy
   * clients are served by translation on the first line.
   */
  private async openSecondLine(): Promise<void> {
    if (!this.mayHaveTwoLines()) return;
    const legacy = new UpstreamLine(this.name, this.config, { ...this.options, protocol: 'legacy', tryOnce: true });
    try {
      await legacy.start();
    } catch {
      await legacy.close();
      return;
    }
    if (legacy.keepsSession && !this.closed) this.legacyLine = legacy;
    else await legacy.close();
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([this.primary.close(), this.legacyLine?.close()]);
  }

  whenReady(timeoutMs?: number, era: Era = 'modern'): Promise<void> {
    return this.line(era).whenReady(timeoutMs);
  }

  /** Sends one request on the line for the calling client's era (`hooks.era`); see `UpstreamLine.request`. */
  request(method: string, params: Params | undefined, hooks?: CallHooks): Promise<JSONRPCResponse> {
    return this.line(hooks?.era ?? 'modern').request(method, params, hooks);
  }

  notify(method: string, params?: Params, era: Era = 'modern'): void {
    this.line(era).notify(method, params);
  }

  private line(era: Era): UpstreamLine {
    return era === 'legacy' && this.legacyLine ? this.legacyLine : this.primary;
  }

  private mayHaveTwoLines(): boolean {
    return !isStdioServer(this.config) && this.config.transport === 'streamable-http' && this.config.protocol === 'auto' && this.primary.info?.era === 'modern';
  }
}
