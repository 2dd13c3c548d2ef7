import type { JSONRPCMessage } from '../protocol/jsonrpc.js';
import type { Cancellation } from './cancellation.js';

/**
 * The wire to one upstream server: messages in and out, and word when it is gone.
 * Implemented by the lean stdio transport and by adapters over the SDK's HTTP client transports.
 */
export interface UpstreamTransport {
  start(): Promise<void>;
  /** Rejects (or throws) when the message could not be delivered. */
  send(message: JSONRPCMessage, options?: { cancellation?: Cancellation }): void | Promise<void>;
  close(): Promise<void>;
  /** Tells the transport which protocol revision the handshake settled on (HTTP sends it as a header). */
  setProtocolVersion?(version: string): void;
  onmessage?: (message: JSONRPCMessage) => void;
  /** The transport is gone for good; `reason` is shown to users. */
  onclose?: (reason: string) => void;
  onstderr?: (line: string) => void;
}
