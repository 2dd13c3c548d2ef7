/**
 * The JSON-RPC message an HTTP response answers with: its JSON body, or the last message of its SSE stream (the
 * gateway streams the responses of 2025 sessions, and the answer ends the stream). Undefined for an empty body.
 */
export async function answerOf(response: Response): Promise<any> {
  const text = await response.text();
  if (!text) return undefined;
  if (!(response.headers.get('content-type') ?? '').includes('text/event-stream')) return JSON.parse(text);
  const messages = [...text.matchAll(/^data: ?(.+)$/gm)].map((line) => JSON.parse(line[1]!) as unknown);
  return messages.at(-1);
}
