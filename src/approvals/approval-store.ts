import type { ApprovalRequest, ApprovalState } from './approval.js';

export interface ApprovalFilter {
  readonly state?: ApprovalState;
  readonly server?: string;
  /** A grant id or label. */
  readonly grant?: string;
}

/**
 * Where approval requests live: memory, SQLite (the default, beside the grants) or PostgreSQL shared by every
 * replica. The gateway that holds a call, the CLI and the admin API of any replica all read and change the same
 * records; every change is a compare-and-set on the record as it was read, so two deciders (or two replicas racing
 * to forward) cannot both succeed.
 */
export interface ApprovalStore {
  create(request: ApprovalRequest): Promise<void>;
  get(id: string): Promise<ApprovalRequest | undefined>;
  /** Several at once, for the gateway watching the calls it holds; ids not found are left out. */
  getMany(ids: readonly string[]): Promise<ApprovalRequest[]>;
  /** Newest first. */
  list(filter: ApprovalFilter, limit: number): Promise<ApprovalRequest[]>;
  /** The newest request with this binding key in one of these states (the retried call finding its approval). */
  findByKey(key: string, states: readonly ApprovalState[]): Promise<ApprovalRequest | undefined>;
  /**
   * Writes `next` in place of the request if it is still at `expected.version` (and `next.version` is one more);
   * false, and nothing written, when someone else changed it first.
   */
  replace(expected: ApprovalRequest, next: ApprovalRequest): Promise<boolean>;
  close(): Promise<void>;
}
