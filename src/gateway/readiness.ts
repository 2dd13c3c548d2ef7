import type { StorePart } from '../observability/metrics.js';
import type { UpstreamState } from '../upstream/connection.js';

/** A store the gateway opened, as the readiness probe asks it. */
export interface StoreProbe {
  readonly part: StorePart;
  ping(): Promise<void>;
}

/** What `/readyz` answers: ready, or what is not (store parts with their error, servers with their state). */
export type ReadinessReport =
  | { readonly ready: true }
  | { readonly ready: false; readonly reason: 'starting' | 'shutting down' }
  | {
      readonly ready: false;
      readonly reason: 'not ready';
      readonly stores: readonly { part: StorePart; error: string }[];
      readonly servers: readonly { name: string; state: UpstreamState }[];
    };

export interface ReadinessParts {
  /** The stores the gateway opened; undefined until it has opened them (it is starting). */
  stores(): readonly StoreProbe[] | undefined;
  servers(): Iterable<{ readonly name: string; readonly currentState: UpstreamState }>;
  /** Told of a store that did not answer, so the failure is counted and logged like any other. */
  failed(part: StorePart, error: unknown): void;
  clock?: () => number;
  /** How long a store's answer stands: a storm of probes from every balancer asks each store once in this time. */
  cacheMs?: number;
  /** A store that has not answered by then is not ready: a probe must answer within the prober's own timeout. */
  timeoutMs?: number;
}

interface Asked {
  at: number;
  answer: Promise<string | undefined>;
}

/**
 * Whether this replica should be sent traffic: every store it opened answers and every configured server is
 * connected; never while it shuts down. Store answers are cached for a second, and an answer still awaited is shared,
 * so a probe costs the stores at most one trivial request per part a second, whoever asks how often.
 */
export class Readiness {
  private readonly asked = new Map<StorePart, Asked>();
  private shuttingDown = false;
  private readonly clock: () => number;

  constructor(private readonly parts: ReadinessParts) {
    this.clock = parts.clock ?? Date.now;
  }

  /** From now on the answer is "shutting down", so balancers stop sending before the listener closes. */
  shutDown(): void {
    this.shuttingDown = true;
  }

  async report(): Promise<ReadinessReport> {
    if (this.shuttingDown) return { ready: false, reason: 'shutting down' };
    const probes = this.parts.stores();
    if (!probes) return { ready: false, reason: 'starting' };
    const answers = await Promise.all(probes.map((probe) => this.answer(probe)));
    const stores = probes.flatMap((probe, i) => (answers[i] === undefined ? [] : [{ part: probe.part, error: answers[i] }]));
    const servers = [...this.parts.servers()].filter((server) => server.currentState !== 'ready').map(({ name, currentState }) => ({ name, state: currentState }));
    // A shutdown that began while the stores were asked is what the balancer must hear.
    if (this.shuttingDown) return { ready: false, reason: 'shutting down' };
    return stores.length === 0 && servers.length === 0 ? { ready: true } : { ready: false, reason: 'not ready', stores, servers };
  }

  /** The part's error (credentials in any URL in it left out), or undefined when it answered. */
  private answer(probe: StoreProbe): Promise<string | undefined> {
    const now = this.clock();
    const known = this.asked.get(probe.part);
    if (known && now - known.at < (this.parts.cacheMs ?? 1_000)) return known.answer;
    const answer = withTimeout(probe.ping(), this.parts.timeoutMs ?? 1_000).then(
      () => undefined,
      (error: unknown) => {
        this.parts.failed(probe.part, error);
        return withoutCredentials(error instanceof Error ? error.message : String(error));
      },
    );
    this.asked.set(probe.part, { at: now, answer });
    return answer;
  }
}

function withTimeout(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/** `scheme://user:password@host` → `scheme://host`: the probe answers anyone who can reach the port. */
export function withoutCredentials(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/\s@]*@/gi, '$1');
}
