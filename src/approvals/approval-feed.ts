import type { ApprovalRequest } from './approval.js';
import type { ApprovalStore } from './approval-store.js';

/** A request that is new, or one whose decisions changed (decided, or one approval of a quorum, or expired). */
export interface FeedEvent {
  readonly type: 'approval.requested' | 'approval.decided';
  readonly request: ApprovalRequest;
}

export type FeedListener = (event: FeedEvent) => void;

export interface ApprovalFeedOptions {
  /** How often the store is read. */
  readonly everyMs?: number;
  /** A reading that failed; the next one is made all the same. */
  readonly failed?: (error: unknown) => void;
}

/** The newest requests read each time: more made between two readings than this are not all seen as new. */
const RECENT = 100;
/** The pending requests a new listener is told about, and the most the feed watches from its start. */
const PENDING = 1_000;

/**
 * New and decided approval requests, for the admin API's event stream. It reads the store (every 500 ms) rather
 * than listening to this gateway's `Approvals`, so a decision from any process on the store (the CLI, another
 * replica, that replica's links) shows, as do requests other replicas hold. One reading serves every listener, and
 * the feed reads only while someone listens. A request is watched while it is pending; any change of its version
 * then is `approval.decided` (the request says what became of it).
 */
export class ApprovalFeed {
  private readonly listeners = new Set<FeedListener>();
  /** Pending requests already told about, at the version they were told at. */
  private readonly watched = new Map<string, number>();
  /** The last reading's newest requests: one not among them, and not watched, is new. */
  private known = new Set<string>();
  /** What the store held when the first listener came; undefined while nobody listens. */
  private started?: Promise<void>;
  /** Moves on when the last listener leaves, so a reading begun before then changes nothing after. */
  private epoch = 0;
  private timer?: NodeJS.Timeout;
  private reading = false;
  private readonly everyMs: number;

  constructor(
    private readonly store: ApprovalStore,
    private readonly options: ApprovalFeedOptions = {},
  ) {
    this.everyMs = options.everyMs ?? 500;
  }

  /**
   * Tells `listener` of every pending request now (so a console needs no listing first, and misses nothing between
   * a listing and subscribing), then of each change. The function it resolves to stops it.
   */
  async subscribe(listener: FeedListener): Promise<() => void> {
    for (;;) {
      const started = (this.started ??= this.baseline());
      await started;
      const pending = await this.store.list({ state: 'pending' }, PENDING);
      // The last listener left meanwhile, and the baseline went with it: take another.
      if (started !== this.started) continue;
      for (const request of pending.reverse()) listener({ type: 'approval.requested', request });
      this.listeners.add(listener);
      this.schedule();
      return () => {
        this.listeners.delete(listener);
        if (this.listeners.size === 0) this.stop();
      };
    }
  }

  /** Ends every listener's subscription (the gateway closing). */
  close(): void {
    this.listeners.clear();
    this.stop();
  }

  private stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.started = undefined;
    this.epoch++;
    this.watched.clear();
    this.known.clear();
  }

  /** None of what the store holds when the first listener comes is news. */
  private async baseline(): Promise<void> {
    const epoch = this.epoch;
    const [recent, pending] = await Promise.all([this.store.list({}, RECENT), this.store.list({ state: 'pending' }, PENDING)]);
    if (epoch !== this.epoch) return;
    this.known = new Set(recent.map((request) => request.id));
    for (const request of pending) this.watched.set(request.id, request.version);
  }

  /** The next reading, after the last one ended (never two at once, however slow the store). */
  private schedule(): void {
    if (this.timer || this.reading || this.listeners.size === 0) return;
    this.timer = setTimeout(() => void this.read(), this.everyMs);
  }

  private async read(): Promise<void> {
    this.timer = undefined;
    this.reading = true;
    const epoch = this.epoch;
    try {
      const recent = await this.store.list({}, RECENT);
      const older = [...this.watched.keys()].filter((id) => !recent.some((request) => request.id === id));
      const rest = older.length > 0 ? await this.store.getMany(older) : [];
      if (epoch === this.epoch) for (const event of this.changes(recent, rest)) for (const listener of this.listeners) listener(event);
    } catch (error) {
      this.options.failed?.(error);
    } finally {
      this.reading = false;
      this.schedule();
    }
  }

  /** What moved since the last reading; `recent` is the newest requests, `rest` the watched ones older than those. */
  private changes(recent: readonly ApprovalRequest[], rest: readonly ApprovalRequest[]): FeedEvent[] {
    const events: FeedEvent[] = [];
    for (const request of [...recent].reverse()) {
      if (this.known.has(request.id) || this.watched.has(request.id)) continue;
      events.push({ type: 'approval.requested', request });
      // Made and decided between two readings: both are news.
      if (request.state === 'pending') this.watched.set(request.id, request.version);
      else events.push({ type: 'approval.decided', request });
    }
    const current = new Map([...recent, ...rest].map((request) => [request.id, request]));
    for (const [id, version] of this.watched) {
      const request = current.get(id);
      if (!request) this.watched.delete(id);
      else if (request.version !== version) {
        events.push({ type: 'approval.decided', request });
        if (request.state === 'pending') this.watched.set(id, request.version);
        else this.watched.delete(id);
      }
    }
    this.known = new Set(recent.map((request) => request.id));
    return events;
  }
}
