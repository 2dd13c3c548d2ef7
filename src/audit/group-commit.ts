import type { AuditEntry, ChainedEntry } from './audit-record.js';

interface Pending {
  entry: AuditEntry;
  resolve(chained: ChainedEntry): void;
  reject(error: Error): void;
}

/**
 * Group commit, shared by every sink: the appends of one turn of the event loop are handed to `write` together (one
 * transaction, one fsync), and each resolves when its batch is durable. Batches are written one at a time, in
 * order, and `exclusive` runs other work (a prune) between them, so nothing else races the chain's head.
 */
export class GroupCommit {
  private queue: Pending[] = [];
  private turn: Promise<unknown> = Promise.resolve();

  constructor(private readonly write: (entries: AuditEntry[]) => Promise<ChainedEntry[]> | ChainedEntry[]) {}

  append(entry: AuditEntry): Promise<ChainedEntry> {
    return new Promise((resolve, reject) => {
      this.queue.push({ entry, resolve, reject });
      if (this.queue.length === 1) setImmediate(() => void this.exclusive(() => this.flush()));
    });
  }

  /** Runs `work` after the batches already due (every append made so far) and before any later one. */
  exclusive<T>(work: () => Promise<T> | T): Promise<T> {
    // An append made this turn is due although its flush is still to be scheduled: a close must not overtake it.
    if (this.queue.length > 0) this.turn = this.turn.then(() => this.flush());
    const done = this.turn.then(work);
    this.turn = done.catch(() => {});
    return done;
  }

  private async flush(): Promise<void> {
    // Appends made while this batch is written start the next one.
    const batch = this.queue.splice(0);
    if (batch.length === 0) return;
    try {
      const chained = await this.write(batch.map((pending) => pending.entry));
      batch.forEach((pending, i) => pending.resolve(chained[i]!));
    } catch (error) {
      for (const pending of batch) pending.reject(error as Error);
    }
  }
}
