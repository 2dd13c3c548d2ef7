/** Wrong credentials an address may send in a window before it must wait. */
export const MAX_FAILURES = 5;
/** The window starts at an address's first failure; once it is over, the address starts again from none. */
export const WINDOW_MS = 60_000;

/**
 * Slows guessing at the console's sign-in: after five wrong credentials from one address within a minute, that
 * address waits until the minute since its first failure is over. An admin token has ~256 bits, so this is not what
 * keeps it safe; it keeps a guesser from spending the gateway's time, and a JWT sign-in's calls to the provider.
 * In this process (memory-sign-in-throttle.ts), or counted in the fleet's Redis so that every replica sees the same
 * failures (redis-sign-in-throttle.ts). A throttle that cannot count throws `ConsoleStoreUnavailable`.
 */
export interface SignInThrottle {
  /** Milliseconds until `address` may try again, or 0 when it may now. */
  waitFor(address: string, now: number): Promise<number>;
  failed(address: string, now: number): Promise<void>;
  /** Forgets the address's failures. */
  succeeded(address: string): Promise<void>;
}
