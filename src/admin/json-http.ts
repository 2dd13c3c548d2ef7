import type { IncomingMessage } from 'node:http';
import { HttpError } from '../http/http-error.js';
import { isJsonBody } from '../http/media-type.js';
import { readBody } from '../http/read-body.js';

/** The request's body as a JSON object; an empty body is `{}`, so a request whose fields are all optional needs none. */
export async function readJsonObject(req: IncomingMessage, limit: number): Promise<Record<string, unknown>> {
  const text = await readBody(req, limit, () => new HttpError(413, `the body is larger than ${limit} bytes`));
  if (text === '') return {};
  if (!isJsonBody(req.headers)) throw new HttpError(415, 'Content-Type must be application/json');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON.parse's message: it quotes the body, which may hold something secret pasted by mistake.
    throw new HttpError(400, 'the body is not valid JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, 'the body must be a JSON object');
  return body as Record<string, unknown>;
}

/** A percent-encoded path segment, decoded; a 400 naming `field` when it is not valid percent-encoding. */
export function decodeSegment(segment: string, field: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, `${field}: the path segment is not valid percent-encoding`);
  }
}
