import { useState } from 'preact/hooks';
import { api } from '../api.js';
import type { CatalogueRow, HeldChange } from '../catalogue.js';
import { useApi } from '../use-api.js';
import { Alert } from './alert.js';
import { Dialog } from './dialog.js';

/** A changed wording shown whole, before and after: a reworded description is where an instruction to the model hides. */
function Wording({ before, after }: { before?: unknown; after?: unknown }) {
  return (
    <div class="diff">
      <div>
        <h4>Before</h4>
        {typeof before === 'string' ? <del class="text">{before}</del> : <p class="empty">(none)</p>}
      </div>
      <div>
        <h4>After</h4>
        {typeof after === 'string' ? <ins class="text">{after}</ins> : <p class="empty">(none)</p>}
      </div>
    </div>
  );
}

/**
 * A tool whose definition changed since it was pinned and is held: what the change is and what it introduces (new
 * arguments, findings, a higher risk), as `toolgate catalog diff` says it, and Approve, which lets the new
 * definition through as `toolgate catalog approve` does.
 */
export function HeldChangeDialog({ row, onApproved, onClose }: { row: CatalogueRow; onApproved: () => void; onClose: () => void }) {
  const { data, error } = useApi<{ changes: HeldChange[] }>(`/admin/catalog/changes?server=${encodeURIComponent(row.server)}`);
  const [failure, setFailure] = useState<string>();
  const [busy, setBusy] = useState(false);
  const held = data?.changes.find((change) => change.tool === row.tool);
  const approve = async () => {
    setBusy(true);
    setFailure(undefined);
    try {
      await api(`/admin/catalog/changes/${encodeURIComponent(row.server)}/${encodeURIComponent(row.tool)}/approve`, { method: 'POST', body: {} });
      onApproved();
    } catch (reason) {
      setFailure((reason as Error).message);
      setBusy(false);
    }
  };
  return (
    <Dialog title={<>Changed definition of <code>{row.tool}</code> on <code>{row.server}</code></>} onClose={onClose}>
      <Alert message={error} />
      {data && !held && <p class="empty">Nothing is held for this tool any more.</p>}
      {held && (
        <>
          <p class="hint">
            First presented <time dateTime={held.seen}>{new Date(held.seen).toLocaleString()}</time>. Until it is approved, agents neither see nor call it.
          </p>
          <h3>What changed</h3>
          <ul class="changes">
            {held.changes.map((change, i) => (
              <li key={i} class={change.kind === 'finding' || change.kind === 'risk' ? 'finding' : undefined}>
                {held.summary[i]}
                {change.kind === 'wording' && <Wording before={change.before} after={change.after} />}
              </li>
            ))}
          </ul>
          <Alert message={failure} />
          <div class="buttons">
            <button type="button" class="approve" disabled={busy} onClick={() => void approve()}>
              Approve the new definition
            </button>
          </div>
        </>
      )}
    </Dialog>
  );
}
