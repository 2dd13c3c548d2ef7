import type { JSONRPCMessage, RequestId } from '../protocol/jsonrpc.js';
import type { Cancellation } from './cancellation.js';

export interface SendOptions {
  /** Cancelling ends the request's own stream (how a 2026-07-28 HTTP call is cancelled). */
  cancellation?: Cancellation;
  /** Extra headers for this message (HTTP only): the `Mcp-Param-*` mirrors of a call's arguments. */
  headers?: Record<string, string>;
}

/**
 * The wire to one upstream server: messages in and out, and word when it is gone.
 * Implemented by the lean stdio and Streamable HTTP transports, and by an adapter over the SDK's HTTP+SSE one.
 */
export interface UpstreamTransport {
  start(): Promise<void>;
  /** Rejects (or throws) when the message could not be delivered. */
  send(message: JSONRPCMessage, options?: SendOptions): void | Promise<void>;
  close(): Promise<void>;
  /**
   * Tells the transport which protocol revision the handshake is using (HTTP sends it as a header); undefined
   * before `initialize`, which carries its version in the body.
   */
  setProtocolVersion?(version: string | undefined): void;
  /**
   * A message from the server. `relatedTo` is the id of the request whose own response stream carried it, when
   * the transport can tell (HTTP); such a message belongs to that call.
   */
  onmessage?: (message: JSONRPCMessage, relatedTo?: RequestId) => void;
  /** The transport is gone for good; `reason` is shown to users. */
  onclose?: (reason: string) => void;
  onstderr?: (line: string) => void;
  /** Whether the server keeps a session for this wire (a legacy HTTP server that minted `Mcp-Session-Id`). */
  readonly hasSession?: boolean;
}
