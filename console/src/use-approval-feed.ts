import { useEffect, useState } from 'preact/hooks';
import { api } from './api.js';
import type { ApprovalRequest } from './approval.js';

/** Decisions kept on the page: the most recent. */
const RECENT = 20;

export interface ApprovalFeed {
  pending: ApprovalRequest[];
  recent: ApprovalRequest[];
  /** Whether the event stream is open: while it is not, the page says the list may be stale. */
  live: boolean;
  /** Why the recent decisions could not be read. */
  error?: string;
}

/**
 * The pending requests, live from `/admin/approvals/events` (which starts with every pending one), and the recent
 * decisions: read once, then kept up by the same stream. A request still pending after a decision (a quorum not yet
 * met) stays with the pending ones, showing who has decided.
 */
export function useApprovalFeed(): ApprovalFeed {
  const [pending, setPending] = useState<ReadonlyMap<string, ApprovalRequest>>(new Map());
  const [recent, setRecent] = useState<ApprovalRequest[]>([]);
  const [live, setLive] = useState(false);
  const [error, setError] = useState<string>();
  useEffect(() => {
    const upsert = (request: ApprovalRequest) => {
      setPending((last) => {
        const next = new Map(last);
        if (request.state === 'pending') next.set(request.id, request);
        else next.delete(request.id);
        return next;
      });
      if (request.state !== 'pending') setRecent((last) => [request, ...last.filter((r) => r.id !== request.id)].slice(0, RECENT));
    };
    void api<{ approvals: ApprovalRequest[] }>(`/admin/approvals?state=all&limit=${RECENT * 2}`).then(
      ({ approvals }) =>
        setRecent((last) => [...last, ...approvals.filter((r) => r.state !== 'pending' && !last.some((l) => l.id === r.id))].sort((a, b) => b.updatedAt - a.updatedAt).slice(0, RECENT)),
      (failure: Error) => setError(`The recent decisions could not be read: ${failure.message}`),
    );
    const events = new EventSource('/admin/approvals/events');
    const receive = (event: MessageEvent<string>) => upsert(JSON.parse(event.data) as ApprovalRequest);
    events.addEventListener('approval.requested', receive);
    events.addEventListener('approval.decided', receive);
    events.onopen = () => setLive(true);
    events.onerror = () => {
      setLive(false);
      // The stream cannot say why it failed; a 401 here sends the page to the sign-in form, else it reconnects itself.
      void api('/console/session').catch(() => {});
    };
    return () => events.close();
  }, []);
  return { pending: [...pending.values()].sort((a, b) => a.createdAt - b.createdAt), recent, live, error };
}
