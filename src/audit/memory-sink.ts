import type { AuditEntry, ChainedEntry } from './audit-record.js';
import { pageOf } from './audit-filter.js';
import type { AuditFilter, AuditPage, AuditResult, AuditSink } from './audit-sink.js';
import { canonical } from '../documents/canonical-json.js';
import { chain, GENESIS_ANCHOR, nextLink, verifyChain, type ChainAnchor, type VerifyResult } from './chain.js';
import { GroupCommit } from './group-commit.js';

/** The audit log in memory, for tests and demos: nothing survives the process. */
export class MemoryAuditSink implements AuditSink {
  /** Held in seq order; tests edit it to show what verify catches. */
  readonly entries: ChainedEntry[] = [];
  private anchor: ChainAnchor = GENESIS_ANCHOR;
  private readonly commits = new GroupCommit((batch) => this.write(batch));

  append(entry: AuditEntry): Promise<ChainedEntry> {
    return this.commits.append(entry);
  }

  async query(filter: AuditFilter, page: AuditPage): Promise<AuditResult> {
    return pageOf(this.entries, filter, page);
  }

  async verify(): Promise<VerifyResult> {
    return verifyChain(this.entries, this.anchor);
  }

  prune(before: number): Promise<number> {
    return this.commits.exclusive(() => {
      const kept = this.entries.findIndex(({ entry }) => entry.time >= before);
      const cut = kept === -1 ? this.entries.length : kept;
      this.anchor = this.entries[cut] ? { seq: this.entries[cut].seq, prevHash: this.entries[cut].prevHash } : this.head();
      return this.entries.splice(0, cut).length;
    });
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}

  private write(batch: AuditEntry[]): ChainedEntry[] {
    // Copies, as a stored entry would be: what the caller changes later is not the log's.
    const texts = batch.map(canonical);
    const chained = chain(this.head(), texts.map((text) => JSON.parse(text) as AuditEntry), texts);
    this.entries.push(...chained);
    return chained;
  }

  private head(): ChainAnchor {
    return nextLink(this.entries.at(-1), this.anchor);
  }
}
