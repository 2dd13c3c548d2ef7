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
  /** Resolves once the store answers a trivial request (for `/readyz`); rejects with why it cannot. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** A replacement that is not the next version of the same request is a bug in the caller, not a lost race. */
export function assertReplacement(expected: ApprovalRequest, next: ApprovalRequest): void {
  if (next.id !== expected.id) throw new Error(`approval ${expected.id} cannot be replaced by ${next.id}`);
  if (next.version !== expected.version + 1) throw new Error(`approval ${expected.id} at version ${expected.version} can only become version ${expected.version + 1}, not ${next.version}`);
}

/** SQLite reads a negative LIMIT as no limit at all, PostgreSQL refuses it: every store refuses it alike. */
export function assertLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 0) throw new RangeError(`a listing's limit is a whole number of at least 0, not ${limit}`);
}

export function existsAlready(id: string): Error {
  return new Error(`approval ${id} exists already`);
}

/** The store-wide order of listings: newest first, and of two made in the same millisecond the greater id. */
export function newestFirst(a: ApprovalRequest, b: ApprovalRequest): number {
  return b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}
