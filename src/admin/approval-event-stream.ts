import type { ServerResponse } from 'node:http';
import type { ApprovalFeed, FeedEvent } from '../approvals/approval-feed.js';

/** An event stream held open, for the admin API to end when the gateway closes. */
export type OpenEventStreams = Set<{ end(): void }>;

/** A comment every 15 s keeps proxies and load balancers from taking a quiet stream for a dead one. */
const HEARTBEAT_MS = 15_000;
/** A console that stops reading is cut off rather than buffered for without end. */
const MAX_UNREAD_BYTES = 1024 * 1024;

/**
 * `GET /admin/approvals/events`: the feed as server-sent events, `event: approval.requested|approval.decided` and the
 * request as `data`. It starts with every pending request, and ends when the client leaves or the gateway closes.
 * The answer is written only once the feed has been read, so a store that is down is a 500, not an empty stream.
 */
export async function streamApprovalEvents(res: ServerResponse, feed: ApprovalFeed, open: OpenEventStreams): Promise<void> {
  let gone = false;
  res.once('close', () => (gone = true));
  const replay: string[] = [];
  let send = (frame: string) => void replay.push(frame);
  const unsubscribe = await feed.subscribe((event) => send(frame(event)));
  if (gone) return unsubscribe();
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
  res.write(`: toolgate approval events\n\n${replay.join('')}`);
  send = (text) => {
    if (res.writableLength > MAX_UNREAD_BYTES) res.destroy();
    else res.write(text);
  };
  const heartbeat = setInterval(() => send(': heartbeat\n\n'), HEARTBEAT_MS);
  const stream = { end: () => res.end() };
  open.add(stream);
  res.once('close', () => {
    clearInterval(heartbeat);
    unsubscribe();
    open.delete(stream);
  });
}

/** One event; JSON has no raw newline, so the request is one `data` line. */
function frame(event: FeedEvent): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event.request)}\n\n`;
}
