import { useState } from 'preact/hooks';
import { api } from '../api.js';
import type { ApprovalRequest } from '../approval.js';
import { TimeLeft } from './time-left.js';
import { Value } from './value-list.js';
import { Alert } from './alert.js';

/** Who has decided, in words: "alice approved: looks right". */
export function decisionText({ approver, verdict, reason }: ApprovalRequest['decisions'][number]): string {
  return `${approver} ${verdict === 'approve' ? 'approved' : 'denied'}${reason ? `: ${reason}` : ''}`;
}

/**
 * The call's arguments as the policy's audit setting lets approvers (and the audit log's readers) see them: laid out in full (`full`, `redacted`),
 * or their names alone (`keys`, the default). MCP arguments are an object, so a list here is the names.
 */
export function Arguments({ shown }: { shown: ApprovalRequest['shown'] }) {
  if (!('arguments' in shown)) return <p class="empty">Not shown: the policy's audit setting keeps them out.</p>;
  if (!Array.isArray(shown.arguments)) return <Value value={shown.arguments} />;
  if (shown.arguments.length === 0) return <p class="empty">No arguments.</p>;
  return (
    <>
      <p class="hint">Names only: the policy's audit setting keeps the values out.</p>
      <ul class="value-list">
        {shown.arguments.map((name) => (
          <li key={String(name)}>
            <code>{String(name)}</code>
          </li>
        ))}
      </ul>
    </>
  );
}

/** One pending request as a person reads it, with approve and deny and a reason for either. */
export function ApprovalCard({ request }: { request: ApprovalRequest }) {
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const { binding } = request;
  const heading = `approval-${request.id}`;
  const approvals = new Set(request.decisions.filter((d) => d.verdict === 'approve').map((d) => d.approver)).size;
  const decide = async (verdict: 'approve' | 'deny') => {
    setBusy(true);
    setError(undefined);
    try {
      await api(`/admin/approvals/${encodeURIComponent(request.id)}/${verdict}`, { method: 'POST', body: reason.trim() === '' ? {} : { reason: reason.trim() } });
    } catch (failure) {
      setError((failure as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <article class="card" aria-labelledby={heading}>
      <h3 id={heading}>
        <code>{binding.tool}</code> on <code>{binding.server}</code>
      </h3>
      <dl class="facts">
        <div>
          <dt>Grant</dt>
          <dd>{binding.grant.label}</dd>
        </div>
        <div>
          <dt>Time left</dt>
          <dd>
            <TimeLeft until={request.expiresAt} />
          </dd>
        </div>
        {request.quorum > 1 && (
          <div>
            <dt>Quorum</dt>
            <dd>
              {approvals} of {request.quorum} approvals
            </dd>
          </div>
        )}
        {request.decisions.length > 0 && (
          <div>
            <dt>Decided so far</dt>
            <dd>
              <ul>
                {request.decisions.map((decision) => (
                  <li key={decision.approver}>{decisionText(decision)}</li>
                ))}
              </ul>
            </dd>
          </div>
        )}
        {request.shown.message && (
          <div>
            <dt>Policy says</dt>
            <dd>{request.shown.message}</dd>
          </div>
        )}
      </dl>
      <h4>Arguments</h4>
      <Arguments shown={request.shown} />
      {/* The approval approves these arguments and no others: the audit log records the same digest. */}
      <p class="digest">
        SHA-256 of the arguments: <code>{binding.argsDigest}</code>
      </p>
      <form class="decide" onSubmit={(event) => event.preventDefault()}>
        <label for={`${heading}-reason`}>Reason (optional)</label>
        <input id={`${heading}-reason`} type="text" maxLength={1000} value={reason} onInput={(event) => setReason(event.currentTarget.value)} />
        <div class="buttons">
          <button type="button" class="approve" disabled={busy} onClick={() => void decide('approve')}>
            Approve
          </button>
          <button type="button" class="deny" disabled={busy} onClick={() => void decide('deny')}>
            Deny
          </button>
        </div>
        <Alert message={error} />
      </form>
    </article>
  );
}
