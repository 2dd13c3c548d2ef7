import { randomBytes } from 'node:crypto';
import { ErrorCode, errorResponse, resultResponse, type JSONRPCRequest, type JSONRPCResponse, type Params } from '../protocol/jsonrpc.js';
import { Cancellation } from '../upstream/cancellation.js';
import type { ServerRequestAnswer } from '../upstream/connection.js';

/**
 * Bridges the two ways a server asks its client something while serving a request:
 * - legacy: the server sends its own request (sampling, elicitation, roots) during the call;
 * - 2026-07-28 (MRTR): the server answers `resultType: "input_required"` with `inputRequests`, and the client
 *   retries the call with `inputResponses` and the server's `requestState`.
 * `HeldCalls` serves a 2026-07-28 client from a legacy upstream; `answerInputRequests` serves a legacy client from
 * a 2026-07-28 upstream.
 */

/** Methods on which a server may answer `input_required`. */
export const INPUT_REQUIRED_METHODS = new Set(['tools/call', 'prompts/get', 'resources/read']);

/** How many retries a legacy client's call may take before the gateway gives up on a modern upstream. */
const MAX_ROUNDS = 16;

/**
 * A legacy client called a 2026-07-28 upstream that wants input: put each input request to the client as a server
 * request, then retry the call with the answers, until the upstream completes.
 */
export async function answerInputRequests(
  first: JSONRPCResponse,
  retry: (params: Params) => Promise<JSONRPCResponse>,
  params: Params | undefined,
  ask: (request: JSONRPCRequest) => Promise<ServerRequestAnswer>,
): Promise<JSONRPCResponse> {
  let response = first;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    if (!('result' in response) || (response.result as Record<string, unknown>).resultType !== 'input_required') return response;
    const result = response.result as { inputRequests?: Record<string, { method: string; params?: Params }>; requestState?: string };
    const inputResponses: Record<string, unknown> = {};
    for (const [key, request] of Object.entries(result.inputRequests ?? {})) {
      const answer = await ask({ jsonrpc: '2.0', id: 0, method: request.method, ...(request.params && { params: request.params }) } as JSONRPCRequest);
      if ('error' in answer) return errorResponse(0, answer.error.code, answer.error.message, answer.error.data);
      inputResponses[key] = answer.result;
    }
    response = await retry({ ...params, inputResponses, ...(result.requestState !== undefined && { requestState: result.requestState }) });
  }
  return errorResponse(0, ErrorCode.InternalError, `the server asked for input more than ${MAX_ROUNDS} times`);
}

/** How long to wait for more of a server's questions once the first has come. */
const GATHER_MS = 10;

/**
 * Runs the held upstream call: `ask` puts a question to the client, `abandon` ends the client's call with the
 * given answer (and cancels the upstream one).
 */
export type HeldRun = (
  ask: (request: JSONRPCRequest) => Promise<ServerRequestAnswer>,
  cancellation: Cancellation,
  abandon: (response: JSONRPCResponse) => void,
) => Promise<JSONRPCResponse>;

/** The upstream's progress token on a question it pushed means nothing to the client it is passed to. */
function withoutProgressToken(params: Record<string, unknown>): Record<string, unknown> {
  const meta = params._meta as Record<string, unknown> | undefined;
  if (meta?.progressToken === undefined) return params;
  const { progressToken: _token, ...rest } = meta;
  return { ...params, _meta: rest };
}

interface OpenAsk {
  request: JSONRPCRequest;
  resolve(answer: ServerRequestAnswer): void;
}

/** One upstream call kept running while its 2026-07-28 client gathers the input the upstream asked for. */
class HeldCall {
  readonly asks = new Map<string, OpenAsk>();
  private nextKey = 1;
  private wake?: () => void;
  readonly response: Promise<JSONRPCResponse>;
  readonly cancellation = new Cancellation();
  expires = 0;

  constructor(
    /** What was called (method and name): a retry must be for the same thing. */
    readonly binding: string,
    run: HeldRun,
  ) {
    // One promise for the outcome, settled by the upstream's answer or by `abandon`, whichever comes first. (Every
    // 2026-07-28 call to a legacy upstream passes here, so it is kept to as few allocations as it can be.)
    this.response = new Promise<JSONRPCResponse>((resolve) => {
      const abandon = (response: JSONRPCResponse) => {
        resolve(response); // first, so that the call's own (cancelled) answer comes too late to count
        this.cancellation.cancel();
      };
      run((request) => this.ask(request), this.cancellation, abandon).then(resolve);
    });
  }

  private ask(request: JSONRPCRequest): Promise<ServerRequestAnswer> {
    return new Promise((resolve) => {
      this.asks.set(`${request.method}#${this.nextKey++}`, { request, resolve });
      this.wake?.();
    });
  }

  /** Settles when the upstream answers, or when it has asked for input that has not been given yet. */
  async settle(client?: Cancellation): Promise<'done' | 'input'> {
    if (this.asks.size > 0) return 'input';
    // A client that goes away while it waits cancels the call; once it has been answered, it may go.
    let waiting = true;
    client?.onCancel((reason) => waiting && this.cancellation.cancel(reason));
    try {
      const outcome = await new Promise<'done' | 'input'>((resolve) => {
        this.wake = () => resolve('input');
        this.response.then(() => resolve('done'));
      });
      if (outcome === 'input') await this.gathered();
      return outcome;
    } finally {
      this.wake = undefined;
      waiting = false;
    }
  }

  /** A server often asks several things at once: they go to the client in one round, not one per round. */
  private async gathered(): Promise<void> {
    let seen: number;
    do {
      seen = this.asks.size;
      await new Promise((resolve) => setTimeout(resolve, GATHER_MS));
    } while (this.asks.size !== seen);
  }

  answer(inputResponses: Record<string, unknown>): void {
    for (const [key, value] of Object.entries(inputResponses)) {
      const open = this.asks.get(key);
      if (!open) continue;
      this.asks.delete(key);
      open.resolve({ result: (value ?? {}) as Record<string, unknown> });
    }
  }

  inputRequests(): Record<string, unknown> {
    return Object.fromEntries([...this.asks].map(([key, { request }]) => [key, { method: request.method, ...(request.params && { params: withoutProgressToken(request.params) }) }]));
  }
}

/**
 * Legacy upstream calls held open on behalf of 2026-07-28 clients, keyed by an unguessable `requestState`.
 * They live in this process: behind a load balancer, the retry must reach the same replica (or the client gets
 * a clear "unknown requestState" error and calls again).
 */
export class HeldCalls {
  private readonly held = new Map<string, HeldCall>();

  constructor(
    private readonly ttlMs = 10 * 60_000,
    private readonly clock: () => number = Date.now,
  ) {}

  owns(requestState: unknown): requestState is string {
    return typeof requestState === 'string' && this.held.has(requestState);
  }

  /** Starts a call; answers with its result, or with `input_required` when the upstream asks for something. */
  start(
    binding: string,
    run: HeldRun,
    client?: Cancellation,
  ): Promise<JSONRPCResponse> {
    this.sweep();
    return this.advance(new HeldCall(binding, run), client);
  }

  /** A client's retry: give the upstream its answers, then wait for the next thing it says. */
  async resume(requestState: string, binding: string, inputResponses: unknown, client?: Cancellation): Promise<JSONRPCResponse> {
    const call = this.held.get(requestState)!;
    if (call.binding !== binding) return errorResponse(0, ErrorCode.InvalidParams, 'requestState belongs to a different call');
    this.held.delete(requestState);
    call.answer(typeof inputResponses === 'object' && inputResponses !== null ? (inputResponses as Record<string, unknown>) : {});
    return this.advance(call, client);
  }

  private async advance(call: HeldCall, client?: Cancellation): Promise<JSONRPCResponse> {
    if ((await call.settle(client)) === 'done') return call.response;
    // A fresh state every round: an old one cannot be replayed into a later round of the same call.
    const requestState = randomBytes(18).toString('base64url');
    call.expires = this.clock() + this.ttlMs;
    this.held.set(requestState, call);
    return resultResponse(0, { resultType: 'input_required', inputRequests: call.inputRequests(), requestState });
  }

  /** Abandoned calls (the client never retried) are cancelled upstream. */
  private sweep(): void {
    const now = this.clock();
    for (const [state, call] of this.held) {
      if (call.expires > now) continue;
      this.held.delete(state);
      call.cancellation.cancel();
      for (const open of call.asks.values()) open.resolve({ error: { code: ErrorCode.RequestCancelled, message: 'the client did not answer in time' } });
    }
  }
}
