import type { ApprovalRequest } from '../approval.js';
import { ApprovalCard, decisionText } from '../components/approval-card.js';
import { useApprovalFeed } from '../use-approval-feed.js';
import { Alert } from '../components/alert.js';

const STATE_WORDS: Partial<Record<ApprovalRequest['state'], string>> = { forwarded: 'approved, sent on', completed: 'approved, completed' };

/** Calls held for a person's approval, live, and the decisions made lately. */
export function ApprovalsPage() {
  const { pending, recent, live, error } = useApprovalFeed();
  return (
    <>
      <h1>Approvals</h1>
      <Alert message={error} />
      <section aria-labelledby="pending-heading">
        <h2 id="pending-heading">Waiting for a decision</h2>
        <p aria-live="polite" class="status">
          {pending.length === 0 ? 'Nothing is waiting.' : `${pending.length} waiting.`}
          {!live && ' (Reconnecting: this list may be out of date.)'}
        </p>
        <div class="cards">
          {pending.map((request) => (
            <ApprovalCard key={request.id} request={request} />
          ))}
        </div>
      </section>
      <section aria-labelledby="recent-heading">
        <h2 id="recent-heading">Recent decisions</h2>
        {recent.length === 0 ? (
          <p class="empty">None yet.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Tool</th>
                <th scope="col">Grant</th>
                <th scope="col">Outcome</th>
                <th scope="col">Who</th>
              </tr>
            </thead>
            <tbody>
              {recent.map((request) => (
                <tr key={request.id}>
                  <td>
                    <time dateTime={new Date(request.updatedAt).toISOString()}>{new Date(request.updatedAt).toLocaleTimeString()}</time>
                  </td>
                  <td>
                    <code>{request.binding.tool}</code> on <code>{request.binding.server}</code>
                  </td>
                  <td>{request.binding.grant.label}</td>
                  <td>{STATE_WORDS[request.state] ?? request.state}</td>
                  <td>{request.decisions.map(decisionText).join('; ') || '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}
