import { MAX_FAILURES, WINDOW_MS, type SignInThrottle } from './sign-in-throttle.js';

/** Addresses remembered at once: past this, the oldest is forgotten, so a flood of addresses cannot grow memory. */
const MAX_ADDRESSES = 10_000;

/** The sign-in throttle of one process: each replica counts the failures it saw. */
export class MemorySignInThrottle implements SignInThrottle {
  private readonly failures = new Map<string, { count: number; since: number }>();

  constructor(private readonly windowMs = WINDOW_MS) {}

  async waitFor(address: string, now: number): Promise<number> {
    const entry = this.failures.get(address);
    if (!entry) return 0;
    if (now - entry.since >= this.windowMs) {
      this.failures.delete(address);
      return 0;
    }
    return entry.count >= MAX_FAILURES ? entry.since + this.windowMs - now : 0;
  }

  async failed(address: string, now: number): Promise<void> {
    const entry = this.failures.get(address);
    if (entry && now - entry.since < this.windowMs) entry.count++;
    else {
      if (this.failures.size >= MAX_ADDRESSES) this.failures.delete(this.failures.keys().next().value!);
      this.failures.set(address, { count: 1, since: now });
    }
  }

  async succeeded(address: string): Promise<void> {
    this.failures.delete(address);
  }
}
