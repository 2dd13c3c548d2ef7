import type { IncomingMessage } from 'node:http';

/**
 * A request's body as text, up to `limit` bytes; past it (declared or sent), rejects with `tooLarge()`. The rest of
 * an oversized body is drained rather than the socket destroyed, so the answer saying so still reaches the client.
 */
export function readBody(req: IncomingMessage, limit: number, tooLarge: () => unknown): Promise<string> {
  if (Number(req.headers['content-length']) > limit) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    });
    // One chunk, the common case for a tool call, is decoded without a copy.
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
