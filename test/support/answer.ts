/**
 * The JSON-RPC message an HTTP response answers with: its JSON body, or the last message of its SSE stream (the
 * gateway streams the responses of 2025 sessions, and the answer ends the stream). Undefined for an empty body.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read the fields they expect
export async function answerOf(response: Response): Promise<any> {
  const text = await response.text();
  if (!text) return undefined;
  if (!(response.headers.get('content-type') ?? '').includes('text/event-stream')) return JSON.parse(text);
  // Events without data (the priming event of a resumable stream) carry no message.
  const data = [...text.matchAll(/^data:(.*)$/gm)].map((line) => line[1]!.trim()).filter(Boolean);
  const messages = data.map((line) => JSON.parse(line) as unknown);
  return messages.at(-1);
}
