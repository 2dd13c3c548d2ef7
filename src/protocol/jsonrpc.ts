import type {
  JSONRPCErrorResponse,
  JSONRPCMessage,
  JSONRPCNotification,
  JSONRPCRequest,
  JSONRPCResultResponse,
} from '@modelcontextprotocol/server';

export type { JSONRPCErrorResponse, JSONRPCMessage, JSONRPCNotification, JSONRPCRequest, JSONRPCResultResponse };
export type RequestId = string | number;
export type JSONRPCResponse = JSONRPCResultResponse | JSONRPCErrorResponse;
export type Params = Record<string, unknown>;

/** JSON-RPC and MCP error codes the gateway itself emits. */
export const ErrorCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  /** Implementation-defined range: the upstream could not be reached or failed mid-call. */
  UpstreamUnavailable: -32001,
  RequestCancelled: -32800,
  HeaderMismatch: -32020,
  MissingRequiredClientCapability: -32021,
  UnsupportedProtocolVersion: -32022,
} as const;

export type MessageKind = 'request' | 'notification' | 'response';

/**
 * Classifies a parsed value as one JSON-RPC message, or explains why it is not one.
 * The gateway checks only what it must trust to route (method, id); params stay opaque.
 */
export function classify(value: unknown): { kind: MessageKind; message: JSONRPCMessage } | { invalid: string } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { invalid: 'a JSON-RPC message must be an object' };
  }
  const m = value as Record<string, unknown>;
  if (m.jsonrpc !== '2.0') return { invalid: 'jsonrpc must be "2.0"' };
  const hasId = 'id' in m;
  if (hasId && typeof m.id !== 'string' && typeof m.id !== 'number' && m.id !== null) {
    return { invalid: 'id must be a string or a number' };
  }
  if ('params' in m && (typeof m.params !== 'object' || m.params === null || Array.isArray(m.params))) {
    return { invalid: 'params must be an object' };
  }
  if (typeof m.method === 'string') {
    if (!hasId) return { kind: 'notification', message: m as unknown as JSONRPCNotification };
    if (m.id === null) return { invalid: 'a request id must not be null' };
    return { kind: 'request', message: m as unknown as JSONRPCRequest };
  }
  if ('method' in m) return { invalid: 'method must be a string' };
  if (hasId && ('result' in m || 'error' in m)) {
    return { kind: 'response', message: m as unknown as JSONRPCMessage };
  }
  return { invalid: 'not a request, notification or response' };
}

export function errorResponse(id: RequestId | null, code: number, message: string, data?: unknown): JSONRPCErrorResponse {
  const error: JSONRPCErrorResponse['error'] = data === undefined ? { code, message } : { code, message, data };
  return { jsonrpc: '2.0', id, error } as JSONRPCErrorResponse;
}

export function resultResponse(id: RequestId, result: Record<string, unknown>): JSONRPCResultResponse {
  return { jsonrpc: '2.0', id, result } as JSONRPCResultResponse;
}

export function isErrorResponse(message: JSONRPCMessage): message is JSONRPCErrorResponse {
  return 'error' in message;
}

export function isResponse(message: JSONRPCMessage): message is JSONRPCResponse {
  return !('method' in message);
}

export function isRequest(message: JSONRPCMessage): message is JSONRPCRequest {
  return 'method' in message && 'id' in message;
}

/** The `params` of a request or notification as a plain object (empty when absent). */
export function paramsOf(message: JSONRPCRequest | JSONRPCNotification): Params {
  return (message.params ?? {}) as Params;
}
