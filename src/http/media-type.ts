import type { IncomingHttpHeaders } from 'node:http';

const JSON_TYPE = /^application\/json\s*(?:;|$)/i;

/** Whether a request's body is declared JSON (`application/json`, with or without parameters). */
export function isJsonBody(headers: IncomingHttpHeaders): boolean {
  return JSON_TYPE.test(headers['content-type'] ?? '');
}

/** Whether the client accepts every media type in `types` (or anything, with a wildcard). */
export function accepts(headers: IncomingHttpHeaders, ...types: string[]): boolean {
  const accept = (headers.accept ?? '').toLowerCase();
  return accept.includes('*/*') || types.every((type) => accept.includes(type));
}
