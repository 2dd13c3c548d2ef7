import type { ServerResponse } from 'node:http';
import { HttpError } from './http-error.js';

/** The one JSON writer: no cache may keep an answer (some carry a freshly minted token, all depend on the caller). */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', ...headers }).end(text);
}

/** Answers a refusal as its status, headers and body say. */
export function sendError(res: ServerResponse, error: HttpError): void {
  sendJson(res, error.status, error.body ?? { error: error.message }, error.headers);
}
