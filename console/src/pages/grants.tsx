import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { Alert } from '../components/alert.js';
import { TokenOnce } from '../components/token-once.js';
import { When } from '../components/when.js';
import { useApi } from '../use-api.js';
import { HeaderRow } from '../components/header-row.js';

interface Grant {
  id: string;
  label: string;
  servers: string[];
  policy: string | null;
  expiresAt: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** A token just minted or rotated: shown once, then gone. */
interface Minted {
  label: string;
  token: string;
}

/** What the page is doing to one grant's row: asking whether to revoke it, or how long a rotation's grace is. */
type RowAction = { label: string; kind: 'revoke' | 'rotate' };

/** The agents' credentials: list, create (the token shown once), rotate with a grace period, revoke after a confirmation. */
export function GrantsPage() {
  const { data, error, reload } = useApi<{ grants: Grant[] }>('/admin/grants');
  const [minted, setMinted] = useState<Minted>();
  const [action, setAction] = useState<RowAction>();
  const [failure, setFailure] = useState<string>();
  /** A change through the admin API, then the list read again; the gateway's refusal shown in its words. */
  const change = async (work: () => Promise<void>) => {
    setFailure(undefined);
    try {
      await work();
      setAction(undefined);
      reload();
    } catch (problem) {
      setFailure((problem as Error).message);
    }
  };
  const mint = (path: string, body: unknown) =>
    change(async () => {
      const { grant, token } = await api<{ grant: Grant; token: string }>(path, { method: 'POST', body });
      setMinted({ label: grant.label, token });
    });
  return (
    <>
      <h1>Grants</h1>
      <Alert message={error ?? failure} />
      {minted && <TokenOnce label={minted.label} token={minted.token} onDone={() => setMinted(undefined)} />}
      {data && (
        <table>
          <caption>Each agent's credential: which servers it reaches, under which policy, and until when</caption>
          <thead>
            <HeaderRow columns={['Label', 'Servers', 'Policy', 'Created', 'Expires', 'Last used', 'Revoked']} actions="Actions" />
          </thead>
          <tbody>
            {data.grants.map((grant) => (
              <tr key={grant.id}>
                <th scope="row">{grant.label}</th>
                <td>{grant.servers.includes('*') ? 'all servers' : grant.servers.join(', ')}</td>
                <td>{grant.policy ?? <span class="empty">the server's</span>}</td>
                <td>
                  <When at={grant.createdAt} />
                </td>
                <td>{grant.expiresAt ? <When at={grant.expiresAt} /> : <span class="empty">never</span>}</td>
                <td>{grant.lastUsedAt ? <When at={grant.lastUsedAt} /> : <span class="empty">not yet</span>}</td>
                <td>{grant.revokedAt ? <When at={grant.revokedAt} /> : <span class="empty">no</span>}</td>
                <td>
                  {grant.revokedAt === null &&
                    (action?.label === grant.label ? (
                      action.kind === 'revoke' ? (
                        <ConfirmRevoke label={grant.label} onRevoke={() => void change(() => api(`/admin/grants/${encodeURIComponent(grant.label)}`, { method: 'DELETE' }))} onCancel={() => setAction(undefined)} />
                      ) : (
                        <RotateForm label={grant.label} onRotate={(body) => void mint(`/admin/grants/${encodeURIComponent(grant.label)}/rotate`, body)} onCancel={() => setAction(undefined)} />
                      )
                    ) : (
                      <div class="buttons">
                        <button type="button" onClick={() => setAction({ label: grant.label, kind: 'rotate' })} aria-label={`Rotate ${grant.label}`}>
                          Rotate
                        </button>
                        <button type="button" class="deny" onClick={() => setAction({ label: grant.label, kind: 'revoke' })} aria-label={`Revoke ${grant.label}`}>
                          Revoke
                        </button>
                      </div>
                    ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <CreateForm onCreate={(body) => void mint('/admin/grants', body)} />
    </>
  );
}

function ConfirmRevoke({ label, onRevoke, onCancel }: { label: string; onRevoke: () => void; onCancel: () => void }) {
  return (
    <div role="group" aria-label={`Confirm revoking ${label}`} class="confirm">
      <p>Revoke {label}? Every agent using it is refused from its next call.</p>
      <div class="buttons">
        <button type="button" class="deny" onClick={onRevoke}>
          Yes, revoke {label}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </div>
  );
}

function RotateForm({ label, onRotate, onCancel }: { label: string; onRotate: (body: { grace?: string }) => void; onCancel: () => void }) {
  const [grace, setGrace] = useState('');
  const id = `grace-${label}`;
  return (
    <form
      class="confirm"
      onSubmit={(event) => {
        event.preventDefault();
        onRotate(grace.trim() === '' ? {} : { grace: grace.trim() });
      }}
    >
      <label for={id}>Old token keeps working for (grace)</label>
      <input id={id} type="text" placeholder="none, or 1h, 30m" value={grace} onInput={(event) => setGrace(event.currentTarget.value)} />
      <div class="buttons">
        <button type="submit">Rotate {label}</button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** A new grant: its label, every server or the ones ticked, and how long it lasts. */
function CreateForm({ onCreate }: { onCreate: (body: { label: string; servers: string[]; expires?: string }) => void }) {
  const servers = useApi<{ servers: { name: string }[] }>('/admin/servers').data?.servers ?? [];
  const [label, setLabel] = useState('');
  const [every, setEvery] = useState(true);
  const [chosen, setChosen] = useState<string[]>([]);
  const [expires, setExpires] = useState('');
  const toggle = (name: string) => setChosen((last) => (last.includes(name) ? last.filter((n) => n !== name) : [...last, name]));
  return (
    <section aria-labelledby="create-heading">
      <h2 id="create-heading">Create a grant</h2>
      <form
        class="panel"
        onSubmit={(event) => {
          event.preventDefault();
          onCreate({ label: label.trim(), servers: every ? ['*'] : chosen, ...(expires.trim() !== '' && { expires: expires.trim() }) });
        }}
      >
        <label for="grant-label">Label</label>
        <input id="grant-label" type="text" required value={label} onInput={(event) => setLabel(event.currentTarget.value)} />
        <fieldset>
          <legend>Servers it may reach</legend>
          <label class="choice">
            <input type="radio" name="grant-reach" checked={every} onChange={() => setEvery(true)} /> All servers
          </label>
          <label class="choice">
            <input type="radio" name="grant-reach" checked={!every} onChange={() => setEvery(false)} /> Only these:
          </label>
          {servers.map(({ name }) => (
            <label key={name} class="choice indented">
              <input type="checkbox" disabled={every} checked={chosen.includes(name)} onChange={() => toggle(name)} /> {name}
            </label>
          ))}
        </fieldset>
        <label for="grant-expires">Expires after (optional)</label>
        <input id="grant-expires" type="text" placeholder="30d, 12h" aria-describedby="grant-expires-hint" value={expires} onInput={(event) => setExpires(event.currentTarget.value)} />
        <p id="grant-expires-hint" class="hint">
          Left empty, the grant never expires.
        </p>
        <button type="submit">Create grant</button>
      </form>
    </section>
  );
}
