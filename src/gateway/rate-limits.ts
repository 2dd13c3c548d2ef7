import type { CounterStore, Reserved } from '../limits/counter-store.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import type { StoreFailures } from '../observability/store-failures.js';
import type { JSONRPCResponse } from '../protocol/jsonrpc.js';
import type { CompiledLimit } from '../policy/decision.js';
import type { Verdict } from './admission.js';
import type { Session } from './session.js';

type Denial = Extract<Verdict, { allow: false }>;

/**
 * Counting at the choke point: after the policy allows a call, its limits are reserved (all or none) before it is
 * forwarded, then committed, or given back when the server answers with an error or the call fails in transport.
 */
export class RateLimits {
  private store?: CounterStore;

  constructor(
    private readonly failMode: 'closed' | 'open',
    private readonly failures: StoreFailures,
    private readonly metrics: GatewayMetrics,
  ) {}

  open(store: CounterStore): void {
    this.store = store;
  }

  /** The store opened, for the readiness probe. */
  get counterStore(): CounterStore | undefined {
    return this.store;
  }

  async close(): Promise<void> {
    await this.store?.close();
  }

  /** Reserves what an allowed call counts for: the reservation (none when nothing is limited), or the denial. */
  async reserve(verdict: Verdict, server: string, session: Session, subject: string): Promise<{ reservation?: Reserved } | { denial: Denial }> {
    const decision = verdict.allow && verdict.decision?.kind === 'allow' ? verdict.decision : undefined;
    if (!decision?.limits.length) return {};
    const policy = verdict.allow ? verdict.policy : undefined;
    try {
      if (!this.store) throw new Error('the counter store is not open');
      const outcome = await this.store.reserve(
        decision.limits.map((limit, i) => ({ key: counterKey(limit, server, session), windowMs: limit.windowMs, max: limit.max, amount: decision.amounts[i]! })),
        Date.now(),
      );
      if (outcome.kind === 'reserved') {
        for (const item of outcome.items) {
          const limit = decision.limits[item.index]!;
          this.metrics.counted(server, limit.counter, item.used, limit.max);
        }
        return { reservation: outcome };
      }
      return { denial: rateLimited(decision.limits[outcome.index]!, subject, outcome.retryAfterMs, policy) };
    } catch (error) {
      this.failures.failed('counters', error, 'rate limit store unavailable', { server });
      // Fail closed unless the operator chose otherwise: a limit that cannot be checked is not a limit.
      if (this.failMode === 'open') return {};
      return { denial: { allow: false, message: 'rate limit store unavailable', rule: decision.limits[0]!.pointer, reason: 'store_unavailable', ...(policy && { policy }) } };
    }
  }

  /**
   * A JSON-RPC error (the server refused or never ran the call) or a transport failure gives the amounts back; a tool
   * result, even one marked isError, counts: the server ran the tool.
   */
  settle(reservation: Reserved, response: JSONRPCResponse): Promise<void> {
    return 'error' in response ? this.release(reservation) : this.finish((store) => store.commit(reservation));
  }

  /** Gives the amounts back: the call was not forwarded after all. */
  release(reservation: Reserved): Promise<void> {
    return this.finish((store) => store.rollback(reservation));
  }

  private async finish(step: (store: CounterStore) => Promise<void>): Promise<void> {
    if (!this.store) return;
    await step(this.store).catch((error: unknown) => this.failures.failed('counters', error, 'could not settle a counter reservation'));
  }
}

/**
 * The counter a limit names, for this call: per grant (by label, so `limits status --grant` reads as written), per
 * session or for everyone, within the server whose policy named it. A 2026-07-28 request has no session, so its
 * session limits count per grant (never per request, which would let every call through).
 */
function counterKey(limit: CompiledLimit, server: string, session: Session): string {
  const scope = limit.scope === 'global' ? 'global' : limit.scope === 'session' && session.era === 'legacy' ? `session:${session.id}` : `grant:${session.caller.label}`;
  return `${server}/${scope}/${limit.counter}`;
}

function rateLimited(limit: CompiledLimit, subject: string, retryAfterMs: number, policy: string | undefined): Denial {
  const retryAfterSeconds = Number.isFinite(retryAfterMs) ? Math.max(1, Math.ceil(retryAfterMs / 1000)) : undefined;
  const base = limit.message ?? `Rate limit reached for "${subject}": at most ${limit.max} per ${describeWindow(limit.windowMs)} (counter "${limit.counter}").`;
  const when = retryAfterSeconds === undefined ? ' This call is larger than the whole limit and will never pass.' : ` Retry in ${retryAfterSeconds} s.`;
  return { allow: false, message: base + when, rule: limit.pointer, ...(limit.name !== undefined && { name: limit.name }), reason: 'rate_limited', ...(policy && { policy }), ...(retryAfterSeconds !== undefined && { retryAfterSeconds }) };
}

function describeWindow(ms: number): string {
  const units: [number, string][] = [[86_400_000, 'day'], [3_600_000, 'hour'], [60_000, 'minute'], [1_000, 'second']];
  for (const [size, name] of units) if (ms % size === 0) return ms === size ? name : `${ms / size} ${name}s`;
  return `${ms} ms`;
}

