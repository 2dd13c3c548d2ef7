import type { IncomingMessage } from 'node:http';

/** The value of the cookie `name` the request carries, or undefined; the first one when a browser sends two. */
export function readCookie(req: IncomingMessage, name: string): string | undefined {
  for (const pair of (req.headers.cookie ?? '').split(';')) {
    const equals = pair.indexOf('=');
    if (equals > 0 && pair.slice(0, equals).trim() === name) return pair.slice(equals + 1).trim();
  }
  return undefined;
}

/** Whether the request reached the gateway over TLS, directly or through a proxy that says so. */
export function isHttps(req: IncomingMessage): boolean {
  return 'encrypted' in req.socket || req.headers['x-forwarded-proto'] === 'https';
}
