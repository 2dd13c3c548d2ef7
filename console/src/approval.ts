/** An approval request as the admin API sends it (src/approvals/approval.ts), with what the console reads of it. */
export interface ApprovalRequest {
  id: string;
  binding: { grant: { id: string; label: string }; server: string; tool: string; argsDigest: string; policy: string };
  rule: string;
  shown: { arguments?: unknown; message?: string };
  approvers: string[];
  quorum: number;
  state: 'pending' | 'approved' | 'denied' | 'expired' | 'cancelled' | 'forwarded' | 'completed' | 'ambiguous';
  createdAt: number;
  expiresAt: number;
  decisions: { approver: string; verdict: 'approve' | 'deny'; reason?: string; at: number }[];
  updatedAt: number;
}
