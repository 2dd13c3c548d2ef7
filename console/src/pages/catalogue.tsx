import { useMemo, useState } from 'preact/hooks';
import { api } from '../api.js';
import { CLASSES, EFFECTS, SEVERITIES, type CatalogueRow, type ServerCatalogue } from '../catalogue.js';
import { filterRows, indexRows, type CatalogueFilter } from '../catalogue-filter.js';
import { Alert } from '../components/alert.js';
import { EffectSummary } from '../components/effect-summary.js';
import { HeldChangeDialog } from '../components/held-change-dialog.js';
import { RuleDialog, type RuleChange } from '../components/rule-dialog.js';
import { useApi } from '../use-api.js';
import { HeaderRow } from '../components/header-row.js';

/**
 * Rows put in the document at a time. Filtering 10,000 tools takes milliseconds; a table of 10,000 rows is some
 * 100,000 nodes to lay out on every keystroke, and no one reads it: the filter is how a tool is found, and more
 * are shown on request.
 */
const PAGE = 100;

type Opened = { kind: 'rule' | 'held'; row: CatalogueRow };
/** What the page last did, said on the page: a rule set (which can be undone), or anything else in words. */
type Done = { kind: 'set'; change: RuleChange } | { kind: 'said'; text: string };

const count = (n: number) => n.toLocaleString('en');

/** Every tool of every server: its risk, why, and what the policy does to it; rules set and held definitions reviewed from here. */
export function CataloguePage() {
  const { data, error, reload } = useApi<{ servers: ServerCatalogue[] }>('/admin/catalog');
  const [filter, setFilter] = useState<CatalogueFilter>({});
  const [shown, setShown] = useState(PAGE);
  const [opened, setOpened] = useState<Opened>();
  const [done, setDone] = useState<Done>();
  const [failure, setFailure] = useState<string>();
  const rows = useMemo(() => indexRows(data?.servers ?? []), [data]);
  const matches = useMemo(() => filterRows(rows, filter), [rows, filter]);
  const narrow = (change: Partial<CatalogueFilter>) => {
    setFilter((last) => ({ ...last, ...change }));
    setShown(PAGE);
  };
  const choose = <K extends keyof CatalogueFilter>(name: K) => (event: { currentTarget: { value: string } }) => narrow({ [name]: event.currentTarget.value === '' ? undefined : event.currentTarget.value });
  const changed = (next: Done) => {
    setOpened(undefined);
    setDone(next);
    reload();
  };
  const undo = async (change: RuleChange) => {
    setFailure(undefined);
    try {
      await api(`/admin/policies/${encodeURIComponent(change.server)}/rollback`, { method: 'POST', body: { to: change.kept }, headers: { 'if-match': `"${change.version}"` } });
      changed({ kind: 'said', text: `Undone: the policy of ${change.server} is back to version ${change.previous}.` });
    } catch (reason) {
      setFailure(`The change could not be undone: ${(reason as Error).message}`);
    }
  };
  const down = data?.servers.filter((server) => !server.up) ?? [];
  return (
    <>
      <h1>Catalogue</h1>
      <Alert message={error} />
      {down.map((server) => (
        <Alert key={server.server} message={`${server.server}: its tools could not be listed (${server.error ?? 'down'})`} />
      ))}
      <div role="status" class="done">
        {done?.kind === 'set' && (
          <>
            Rule set on <code>{done.change.tool}</code> ({done.change.server}): policy version {done.change.version}.
            {done.change.notes.map((note) => (
              <span key={note.pointer} class="note">
                {' '}
                Note ({note.pointer}): {note.message}.
              </span>
            ))}
            {done.change.kept !== undefined && (
              <button type="button" onClick={() => void undo(done.change)}>
                Undo this change
              </button>
            )}
          </>
        )}
        {done?.kind === 'said' && done.text}
      </div>
      <Alert message={failure} />
      <form role="search" aria-label="Filter the catalogue" class="filters" onSubmit={(event) => event.preventDefault()}>
        <div class="field wide">
          <label for="catalogue-search">Name or description</label>
          <input id="catalogue-search" type="search" value={filter.text ?? ''} onInput={choose('text')} />
        </div>
        <Choice id="catalogue-server" label="Server" value={filter.server} options={data?.servers.map((s) => s.server) ?? []} onChange={choose('server')} />
        <Choice id="catalogue-class" label="Class" value={filter.class} options={CLASSES} onChange={choose('class')} />
        <Choice id="catalogue-severity" label="Severity" value={filter.severity} options={SEVERITIES} onChange={choose('severity')} />
        <Choice id="catalogue-effect" label="Effect" value={filter.effect} options={EFFECTS} onChange={choose('effect')} />
        <div class="field check">
          <input id="catalogue-held" type="checkbox" checked={filter.held === true} onChange={(event) => narrow({ held: event.currentTarget.checked || undefined })} />
          <label for="catalogue-held">Changed definitions only</label>
        </div>
      </form>
      {data && (
        <>
          <p class="status" id="catalogue-count">
            {matches.length > shown ? `Showing the first ${count(shown)} of ${count(matches.length)} matching tools` : `${count(matches.length)} matching tools`} ({count(rows.length)} in all)
          </p>
          <table class="catalogue" aria-describedby="catalogue-count">
            <colgroup>
              <col class="server-column" />
              <col />
              <col class="risk-column" />
              <col class="why-column" />
              <col class="effect-column" />
              <col class="recommended-column" />
              <col class="actions-column" />
            </colgroup>
            <thead>
              <HeaderRow columns={['Server', 'Tool', 'Risk', 'Why', 'Policy', 'Recommended']} actions="Actions" />
            </thead>
            <tbody>
              {matches.slice(0, shown).map((row) => (
                <CatalogueRowView key={`${row.server}/${row.tool}`} row={row} open={(kind) => setOpened({ kind, row })} />
              ))}
            </tbody>
          </table>
          {matches.length > shown && (
            <button type="button" class="more" onClick={() => setShown((n) => n + PAGE)}>
              Show {count(Math.min(PAGE, matches.length - shown))} more
            </button>
          )}
        </>
      )}
      {opened?.kind === 'rule' && <RuleDialog row={opened.row} onSaved={(change) => changed({ kind: 'set', change })} onStale={() => changed({ kind: 'said', text: 'The catalogue was read again.' })} onClose={() => setOpened(undefined)} />}
      {opened?.kind === 'held' && (
        <HeldChangeDialog row={opened.row} onApproved={() => changed({ kind: 'said', text: `Approved: the new definition of ${opened.row.tool} (${opened.row.server}) is let through.` })} onClose={() => setOpened(undefined)} />
      )}
    </>
  );
}

function Choice({ id, label, value, options, onChange }: { id: string; label: string; value?: string; options: readonly string[]; onChange: (event: { currentTarget: { value: string } }) => void }) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <select id={id} value={value ?? ''} onChange={onChange}>
        <option value="">Any</option>
        {options.map((option) => (
          <option key={option} value={option}>
            {option}
          </option>
        ))}
      </select>
    </div>
  );
}

function CatalogueRowView({ row, open }: { row: CatalogueRow; open: (kind: Opened['kind']) => void }) {
  return (
    <tr class={row.pin === 'held' ? 'held' : undefined}>
      <td>{row.server}</td>
      <th scope="row">
        <code>{row.tool}</code>
        {row.pin === 'held' && <span class="badge changed">definition changed</span>}
        {row.description && <p class="description">{row.description}</p>}
      </th>
      <td>
        <span class={`badge class-${row.class.toLowerCase()}`}>{row.class}</span>
        <span class="severity">{row.severity}</span>
      </td>
      <td>
        <ul class="reasons">
          {row.rationale.map((reason) => (
            <li key={reason}>{reason}</li>
          ))}
          {row.findings.map((finding) => (
            <li key={finding.text} class="finding">
              Finding ({finding.kind}): {finding.text}
            </li>
          ))}
        </ul>
      </td>
      <td>
        <EffectSummary effect={row.effect} />
      </td>
      <td>{row.recommended}</td>
      <td class="actions">
        <button type="button" aria-label={`Set rule for ${row.tool} on ${row.server}`} onClick={() => open('rule')}>
          Set rule
        </button>
        {row.pin === 'held' && (
          <button type="button" aria-label={`Review change to ${row.tool} on ${row.server}`} onClick={() => open('held')}>
            Review change
          </button>
        )}
      </td>
    </tr>
  );
}
