/**
 * Word that a call is no longer wanted. Used on the per-call path instead of AbortController: under load,
 * creating an AbortSignal and its listeners for every request took about 8% of the gateway's CPU (cpu profile,
 * wrk on 32 connections), and most calls are never cancelled.
 */
export class Cancellation {
  private callbacks?: ((reason: string) => void)[];
  private done = false;
  private why = 'cancelled by the client';

  get cancelled(): boolean {
    return this.done;
  }

  /** Runs `callback` with the reason when the call is cancelled (at once if it already is). */
  onCancel(callback: (reason: string) => void): void {
    if (this.done) callback(this.why);
    else (this.callbacks ??= []).push(callback);
  }

  /** `reason` ends the sentence "request …" the client and the server are told. */
  cancel(reason = 'cancelled by the client'): void {
    if (this.done) return;
    this.done = true;
    this.why = reason;
    const callbacks = this.callbacks ?? [];
    this.callbacks = undefined;
    for (const callback of callbacks) callback(reason);
  }

  /** An AbortSignal that follows this, for APIs that take one (made only when asked for). */
  toSignal(): AbortSignal {
    const controller = new AbortController();
    this.onCancel(() => controller.abort());
    return controller.signal;
  }
}
