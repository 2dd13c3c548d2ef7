/**
 * Word that a call is no longer wanted. Used on the per-call path instead of AbortController: under load,
 * creating an AbortSignal and its listeners for every request took about 8% of the gateway's CPU (cpu profile,
 * wrk on 32 connections), and most calls are never cancelled.
 */
export class Cancellation {
  private callbacks?: (() => void)[];
  private done = false;

  get cancelled(): boolean {
    return this.done;
  }

  /** Runs `callback` when the call is cancelled (at once if it already is). */
  onCancel(callback: () => void): void {
    if (this.done) callback();
    else (this.callbacks ??= []).push(callback);
  }

  cancel(): void {
    if (this.done) return;
    this.done = true;
    const callbacks = this.callbacks ?? [];
    this.callbacks = undefined;
    for (const callback of callbacks) callback();
  }

  /** An AbortSignal that follows this, for APIs that take one (made only when asked for). */
  toSignal(): AbortSignal {
    const controller = new AbortController();
    this.onCancel(() => controller.abort());
    return controller.signal;
  }
}
