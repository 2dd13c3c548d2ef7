/** Wrong credentials an address may send in a window before it must wait. */
const MAX_FAILURES = 5;
const WINDOW_MS = 60_000;
/** Addresses remembered at once: past this, the oldest is forgotten, so a flood of addresses cannot grow memory. */
const MAX_ADDRESSES = 10_000;

/**
 * Slows guessing at the console's sign-in: after five wrong credentials from one address within a minute, that
 * address waits until the minute since its first failure is over. An admin token has ~256 bits, so this is not what
 * keeps it safe; it keeps a guesser from spending the gateway's time, and a JWT sign-in's calls to the provider.
 */
export class SignInThrottle {
  private readonly failures = new Map<string, { count: number; since: number }>();

  /** Milliseconds until `address` may try again, or 0 when it may now. */
  waitFor(address: string, now: number): number {
    const entry = this.failures.get(address);
    if (!entry) return 0;
    if (now - entry.since >= WINDOW_MS) {
      this.failures.delete(address);
      return 0;
    }
    return entry.count >= MAX_FAILURES ? entry.since + WINDOW_MS - now : 0;
  }

  failed(address: string, now: number): void {
    const entry = this.failures.get(address);
    if (entry && now - entry.since < WINDOW_MS) entry.count++;
    else {
      if (this.failures.size >= MAX_ADDRESSES) this.failures.delete(this.failures.keys().next().value!);
      this.failures.set(address, { count: 1, since: now });
    }
  }

  succeeded(address: string): void {
    this.failures.delete(address);
  }
}
