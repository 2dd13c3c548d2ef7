import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody } from '../http/read-body.js';

/** A request refused with a status, a message for whoever sent it, and any headers the status calls for. */
export class HttpError extends Error {
  override name = 'HttpError';

  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** The request's body as a JSON object; an empty body is `{}`, so a request whose fields are all optional needs none. */
export async function readJsonObject(req: IncomingMessage, limit: number): Promise<Record<string, unknown>> {
  const text = await readBody(req, limit, () => new HttpError(413, `the body is larger than ${limit} bytes`));
  if (text === '') return {};
  if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) throw new HttpError(415, 'Content-Type must be application/json');
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

/** Every answer is JSON that no cache may keep: some carry a freshly minted token. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', ...headers }).end(text);
}
