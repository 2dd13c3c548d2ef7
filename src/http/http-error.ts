/**
 * A request refused with an HTTP status: the one error type of every handler on the listener (MCP, admin,
 * metrics). `body` is what the client reads (a JSON-RPC error on the MCP endpoint); without one it is
 * `{ "error": message }`.
 */
export class HttpError extends Error {
  override name = 'HttpError';

  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
    readonly body?: unknown,
  ) {
    super(message);
  }
}
