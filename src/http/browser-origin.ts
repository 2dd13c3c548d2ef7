import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError } from './http-error.js';
import { isLoopback } from './loopback.js';

/**
 * DNS rebinding defence, for every path on the listener: a browser page must not reach a loopback gateway under a
 * foreign name or origin. An allowed origin is given the CORS headers it needs.
 */
export function checkHostAndOrigin(req: IncomingMessage, res: ServerResponse, listenHost: string, allowedOrigins: readonly string[], refusal: (message: string) => HttpError): void {
  if (isLoopback(listenHost)) {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '');
    if (!isLoopback(host)) throw refusal(`Host "${req.headers.host}" is not allowed`);
  }
  const origin = req.headers.origin;
  if (origin === undefined) return;
  let allowed = allowedOrigins.includes(origin);
  if (!allowed) {
    try {
      allowed = isLoopback(new URL(origin).hostname);
    } catch {
      allowed = false;
    }
  }
  if (!allowed) throw refusal(`Origin "${origin}" is not allowed`);
  res.setHeader('access-control-allow-origin', origin);
  res.setHeader('access-control-allow-headers', '*');
  res.setHeader('access-control-allow-methods', 'GET, POST, DELETE, OPTIONS');
  res.setHeader('access-control-expose-headers', 'mcp-session-id, mcp-protocol-version');
  res.setHeader('vary', 'origin');
}

/**
 * Whether the request comes from a page of the gateway's own origin: an Origin header naming the host the request
 * was sent to. A browser sends Origin with every POST, PUT and DELETE, so a missing one is not a page of ours.
 */
export function isSameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined || req.headers.host === undefined) return false;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}
