import type { ApprovalRequest, ApprovalState } from './approval.js';
import { assertLimit, assertReplacement, existsAlready, newestFirst, type ApprovalFilter, type ApprovalStore } from './approval-store.js';

/** Approvals in this process only: for tests and `store: memory`; a restart forgets every request, held calls too. */
export class MemoryApprovalStore implements ApprovalStore {
  private readonly requests = new Map<string, ApprovalRequest>();

  async create(request: ApprovalRequest): Promise<void> {
    if (this.requests.has(request.id)) throw existsAlready(request.id);
    this.requests.set(request.id, request);
  }

  async get(id: string): Promise<ApprovalRequest | undefined> {
    return this.requests.get(id);
  }

  async getMany(ids: readonly string[]): Promise<ApprovalRequest[]> {
    return [...new Set(ids)].flatMap((id) => this.requests.get(id) ?? []);
  }

  async list(filter: ApprovalFilter, limit: number): Promise<ApprovalRequest[]> {
    assertLimit(limit);
    return [...this.requests.values()].filter((request) => matches(request, filter)).sort(newestFirst).slice(0, limit);
  }

  async findByKey(key: string, states: readonly ApprovalState[]): Promise<ApprovalRequest | undefined> {
    return [...this.requests.values()].filter((request) => request.key === key && states.includes(request.state)).sort(newestFirst)[0];
  }

  async replace(expected: ApprovalRequest, next: ApprovalRequest): Promise<boolean> {
    assertReplacement(expected, next);
    if (this.requests.get(expected.id)?.version !== expected.version) return false;
    this.requests.set(next.id, next);
    return true;
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}
}

function matches(request: ApprovalRequest, filter: ApprovalFilter): boolean {
  const { server, grant } = request.binding;
  return (
    (filter.state === undefined || request.state === filter.state) &&
    (filter.server === undefined || server === filter.server) &&
    (filter.grant === undefined || grant.id === filter.grant || grant.label === filter.grant)
  );
}
