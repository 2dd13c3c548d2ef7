import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { ApprovalRequest } from './approval.js';
import { approvalLink } from './approval-links.js';
import { EVENT_ID_HEADER, SIGNATURE_HEADER, signWebhook } from './webhook-signature.js';

export type ApprovalEventType = 'approval.requested' | 'approval.decided';

export interface WebhookOptions {
  readonly url: string;
  /** Signs every body (`toolgate-signature`); the receiver holds the same secret. */
  readonly secret: string | Buffer;
  readonly logger: Logger;
  /** Where approve and deny links point (the gateway's public URL) and their secret; without it, no links are sent. */
  readonly links?: { readonly baseUrl: string; readonly secret: string | Buffer };
  /** Attempts of one event, the first included. */
  readonly maxAttempts?: number;
  /** The wait before the first retry; each later one waits twice the one before, up to `maxRetryMs`. */
  readonly firstRetryMs?: number;
  readonly maxRetryMs?: number;
  /** How long one POST may take, answer included. */
  readonly timeoutMs?: number;
  /** Events being delivered or waiting to be retried; one more drops the oldest. */
  readonly queueCap?: number;
  readonly clock?: () => number;
  /** In [0, 1): spreads retries, so deliveries that failed together do not all come back at the same moment. */
  readonly random?: () => number;
}

/** One event on its way: the body is fixed at `notify`, so every attempt signs the same bytes. */
interface Delivery {
  readonly eventId: string;
  readonly type: ApprovalEventType;
  readonly approval: string;
  readonly body: string;
  /** A new request is news only until it expires; a decision stays news until the attempts run out. */
  readonly deadline: number | undefined;
  attempts: number;
  retry?: NodeJS.Timeout;
  inFlight?: AbortController;
}

type AttemptOutcome = { kind: 'delivered'; status: number } | { kind: 'refused'; status: number } | { kind: 'failed'; reason: string };

/**
 * Tells a webhook about approval requests: a new one (with approve and deny links, when a public URL is set) and a
 * decided one. `notify` returns at once; deliveries run in the background, retried with backoff while the receiver
 * is down or answers 5xx or 429, and never hold up a call.
 *
 * Sent with `fetch` (Node's undici) rather than node:http: one POST with a body, an abort for the timeout and for
 * `close`, and a pooled keep-alive connection come built in, and redirects are not followed (`manual`), so a body
 * signed for one URL is not replayed to another.
 */
export class WebhookNotifier {
  private readonly maxAttempts: number;
  private readonly firstRetryMs: number;
  private readonly maxRetryMs: number;
  private readonly timeoutMs: number;
  private readonly queueCap: number;
  private readonly clock: () => number;
  private readonly random: () => number;
  /** Oldest first (a Map keeps insertion order): what a full queue drops. */
  private readonly live = new Map<string, Delivery>();
  private readonly idleWaiters: (() => void)[] = [];
  private droppedCount = 0;
  private closed = false;

  constructor(private readonly options: WebhookOptions) {
    // Refused here, at startup, rather than as an error on every event later.
    if (options.secret.length === 0) throw new Error('the approval webhook needs a secret to sign with; none is configured');
    if (options.links?.secret.length === 0) throw new Error('approval links need a secret; none is configured');
    this.maxAttempts = options.maxAttempts ?? 12;
    this.firstRetryMs = options.firstRetryMs ?? 1_000;
    this.maxRetryMs = options.maxRetryMs ?? 300_000;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.queueCap = options.queueCap ?? 100;
    this.clock = options.clock ?? Date.now;
    this.random = options.random ?? Math.random;
    if (!(Number.isInteger(this.queueCap) && this.queueCap >= 1 && Number.isInteger(this.maxAttempts) && this.maxAttempts >= 1)) {
      throw new Error(`the approval webhook needs a queue of at least 1 and at least 1 attempt (queueCap ${this.queueCap}, maxAttempts ${this.maxAttempts})`);
    }
  }

  /** Events dropped, since the start, because the queue was full. */
  get dropped(): number {
    return this.droppedCount;
  }

  /** Events being delivered or waiting for a retry. */
  get pending(): number {
    return this.live.size;
  }

  /** Queues the event and returns; nothing here waits on the receiver. */
  notify(type: ApprovalEventType, request: ApprovalRequest): void {
    if (this.closed) return;
    let body: string;
    try {
      body = JSON.stringify(this.event(type, request));
    } catch (error) {
      // A request that cannot be described (an id no link can hold) costs its notification, never the call.
      this.options.logger.error({ type, approval: request.id, error: (error as Error).message }, 'approval webhook event could not be built; not sent');
      return;
    }
    if (this.live.size >= this.queueCap) this.dropOldest();
    const delivery: Delivery = { eventId: randomUUID(), type, approval: request.id, body, deadline: type === 'approval.requested' ? request.expiresAt : undefined, attempts: 0 };
    this.live.set(delivery.eventId, delivery);
    void this.attempt(delivery);
  }

  /** Resolves once no event is being delivered or waiting for a retry (a shutdown's grace, and tests). */
  idle(): Promise<void> {
    return this.live.size === 0 ? Promise.resolve() : new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops every retry and aborts every POST in flight; later events are not sent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.live.size > 0) this.options.logger.info({ events: this.live.size }, 'approval webhook closed with events undelivered');
    for (const delivery of [...this.live.values()]) this.end(delivery);
  }

  private event(type: ApprovalEventType, request: ApprovalRequest): unknown {
    const approval = {
      id: request.id,
      state: request.state,
      server: request.binding.server,
      tool: request.binding.tool,
      grant: request.binding.grant,
      arguments: request.shown.arguments,
      message: request.shown.message,
      rule: request.rule,
      expiresAt: new Date(request.expiresAt).toISOString(),
      decisions: request.decisions.map((d) => ({ ...d, at: new Date(d.at).toISOString() })),
    };
    const links = this.options.links;
    if (type !== 'approval.requested' || !links) return { type, approval };
    const link = (verdict: 'approve' | 'deny') => approvalLink(links.baseUrl, links.secret, { id: request.id, verdict, expiresAt: request.expiresAt });
    return { type, approval, links: { approve: link('approve'), deny: link('deny') } };
  }

  private async attempt(delivery: Delivery): Promise<void> {
    if (delivery.deadline !== undefined && this.clock() >= delivery.deadline) return this.giveUp(delivery, 'the request expired');
    delivery.attempts++;
    const outcome = await this.post(delivery);
    // Dropped or closed while the POST was out: nothing more to do for it.
    if (!this.live.has(delivery.eventId)) return;
    const fields = { event: delivery.eventId, type: delivery.type, approval: delivery.approval, attempt: delivery.attempts };
    if (outcome.kind === 'delivered') {
      this.options.logger.debug({ ...fields, status: outcome.status }, 'approval webhook delivered');
      return this.end(delivery);
    }
    if (outcome.kind === 'refused') {
      this.options.logger.warn({ ...fields, status: outcome.status }, 'approval webhook refused the event; not retried (only 5xx and 429 are)');
      return this.end(delivery);
    }
    if (delivery.attempts >= this.maxAttempts) return this.giveUp(delivery, `${outcome.reason}, after ${delivery.attempts} attempts`);
    const delayMs = this.retryDelay(delivery.attempts);
    if (delivery.deadline !== undefined && this.clock() + delayMs >= delivery.deadline) return this.giveUp(delivery, `${outcome.reason}; the request expires before the next attempt`);
    this.options.logger.warn({ ...fields, error: outcome.reason, retryInMs: delayMs }, 'approval webhook not delivered; will retry');
    delivery.retry = setTimeout(() => void this.attempt(delivery), delayMs);
    // A retry waiting is no reason to keep the process alive.
    delivery.retry.unref();
  }

  private async post(delivery: Delivery): Promise<AttemptOutcome> {
    const controller = new AbortController();
    delivery.inFlight = controller;
    const timeout = setTimeout(() => controller.abort(), this.timeoutMs);
    try {
      const response = await fetch(this.options.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'toolgate-webhook',
          [SIGNATURE_HEADER]: signWebhook(this.options.secret, delivery.body, this.clock()),
          [EVENT_ID_HEADER]: delivery.eventId,
        },
        body: delivery.body,
        redirect: 'manual',
        signal: controller.signal,
      });
      // The answer's body says nothing we act on; discarding it frees the connection for the next event.
      await response.body?.cancel();
      const status = response.status;
      if (status >= 200 && status < 300) return { kind: 'delivered', status };
      if (status === 429 || status >= 500) return { kind: 'failed', reason: `HTTP ${status}` };
      return { kind: 'refused', status };
    } catch (error) {
      if (controller.signal.aborted) return { kind: 'failed', reason: `no answer within ${this.timeoutMs} ms` };
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      return { kind: 'failed', reason: cause?.code ?? cause?.message ?? (error as Error).message };
    } finally {
      clearTimeout(timeout);
      delivery.inFlight = undefined;
    }
  }

  /** Exponential from `firstRetryMs`, capped at `maxRetryMs`, then spread by up to a fifth either way. */
  private retryDelay(attempts: number): number {
    const base = Math.min(this.firstRetryMs * 2 ** (attempts - 1), this.maxRetryMs);
    return Math.round(base * (0.8 + 0.4 * this.random()));
  }

  private dropOldest(): void {
    const oldest = this.live.values().next().value as Delivery;
    this.droppedCount++;
    this.options.logger.warn({ event: oldest.eventId, type: oldest.type, approval: oldest.approval, queueCap: this.queueCap, dropped: this.droppedCount }, 'approval webhook queue full; oldest event dropped');
    this.end(oldest);
  }

  private giveUp(delivery: Delivery, reason: string): void {
    this.options.logger.warn({ event: delivery.eventId, type: delivery.type, approval: delivery.approval, attempts: delivery.attempts, reason }, 'approval webhook gave up on the event');
    this.end(delivery);
  }

  /** Takes the event off the queue, with its retry and its POST in flight, and wakes `idle` when it was the last. */
  private end(delivery: Delivery): void {
    clearTimeout(delivery.retry);
    delivery.inFlight?.abort();
    this.live.delete(delivery.eventId);
    if (this.live.size === 0) this.idleWaiters.splice(0).forEach((resolve) => resolve());
  }
}
