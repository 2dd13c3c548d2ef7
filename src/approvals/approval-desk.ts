import type { ApprovalRequest, Approver } from './approval.js';
import type { ApprovalStore } from './approval-store.js';

/**
 * What deciding needs of the gateway, for the admin API and the signed links: the requests, and a person's decision
 * (`Approvals.decide`: recorded in the audit log; an `ApprovalError` saying why when it cannot be taken).
 */
export interface ApprovalDesk {
  readonly store: ApprovalStore;
  decide(id: string, approver: Approver, verdict: 'approve' | 'deny', reason?: string): Promise<ApprovalRequest>;
}
