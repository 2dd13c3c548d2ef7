import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { DECISIONS, DECISION_WORDS, type AuditEvent, type AuditPage as AuditLogPage, type AuditRequest, type ChainLink, type DecisionEntry } from '../audit.js';
import { Alert } from '../components/alert.js';
import { Arguments } from '../components/approval-card.js';
import { When } from '../components/when.js';
import { useApi } from '../use-api.js';
import { HeaderRow } from '../components/header-row.js';

/** Entries per page: a page is one keyset query, so the log is never read whole, however long it is. */
const PAGE_SIZE = 25;
const KINDS = { '': 'Everything', request: 'Tool calls', policy: 'Policy changes', approval: 'Approval decisions', pin: 'Pin reviews' } as const;

/** The filters of `toolgate audit tail`, as the form holds them (times as `datetime-local` text). */
interface Filters {
  server: string;
  tool: string;
  grant: string;
  decision: string;
  kind: string;
  since: string;
  until: string;
}
const NO_FILTERS: Filters = { server: '', tool: '', grant: '', decision: '', kind: '', since: '', until: '' };

/** The query of one page: the filters set, the local times as milliseconds, and the keyset cursor. */
function auditPath(filters: Filters, after: number | undefined): string {
  const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
  for (const [name, value] of Object.entries(filters)) {
    if (value.trim() === '') continue;
    query.set(name, name === 'since' || name === 'until' ? String(new Date(value).getTime()) : value.trim());
  }
  if (after !== undefined) query.set('after', String(after));
  return `/admin/audit?${query}`;
}

type Row = (AuditRequest & { decision: DecisionEntry }) | AuditEvent;

/** The page's requests and events, newest first; a request whose decision is on the next page is shown there. */
function rowsOf(page: AuditLogPage): Row[] {
  const requests = page.requests.filter((request): request is Row & AuditRequest => request.decision !== undefined);
  return [...requests, ...page.events].sort((a, b) => b.seq - a.seq);
}

/** The audit log, newest first, filtered as `toolgate audit tail` filters it, a page at a time; a request's record in full. */
export function AuditPage() {
  const [draft, setDraft] = useState(NO_FILTERS);
  const [filters, setFilters] = useState(NO_FILTERS);
  // The `after` of each page from the newest to the one shown: "Older" pushes the page's `next`, "Newer" pops.
  const [cursors, setCursors] = useState<(number | undefined)[]>([undefined]);
  const [open, setOpen] = useState<string>();
  const after = cursors.at(-1);
  // Only the newest page is read again as calls come in; an older one stays still while it is read.
  const { data, error } = useApi<AuditLogPage>(auditPath(filters, after), cursors.length === 1 ? 5_000 : undefined);
  const servers = useApi<{ servers: { name: string }[] }>('/admin/servers').data?.servers ?? [];
  const field = (name: keyof Filters) => ({ id: `audit-${name}`, value: draft[name], onInput: (event: { currentTarget: { value: string } }) => setDraft({ ...draft, [name]: event.currentTarget.value }) });
  const rows = data ? rowsOf(data) : [];
  return (
    <>
      <h1>Audit</h1>
      <form
        class="filters"
        aria-label="Filter the audit log"
        onSubmit={(event) => {
          event.preventDefault();
          setFilters(draft);
          setCursors([undefined]);
        }}
      >
        <div>
          <label for="audit-kind">Show</label>
          <select {...field('kind')}>
            {Object.entries(KINDS).map(([value, words]) => (
              <option key={value} value={value}>
                {words}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="audit-server">Server</label>
          <select {...field('server')}>
            <option value="">Any</option>
            {servers.map(({ name }) => (
              <option key={name}>{name}</option>
            ))}
          </select>
        </div>
        <div>
          <label for="audit-tool">Tool</label>
          <input type="text" {...field('tool')} />
        </div>
        <div>
          <label for="audit-grant">Grant</label>
          <input type="text" placeholder="label or id" {...field('grant')} />
        </div>
        <div>
          <label for="audit-decision">Decision</label>
          <select {...field('decision')}>
            <option value="">Any</option>
            {DECISIONS.map((decision) => (
              <option key={decision} value={decision}>
                {DECISION_WORDS[decision]}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="audit-since">From</label>
          <input type="datetime-local" step={1} {...field('since')} />
        </div>
        <div>
          <label for="audit-until">Until</label>
          <input type="datetime-local" step={1} {...field('until')} />
        </div>
        <div class="buttons">
          <button type="submit">Apply filters</button>
          <button
            type="button"
            onClick={() => {
              setDraft(NO_FILTERS);
              setFilters(NO_FILTERS);
              setCursors([undefined]);
            }}
          >
            Clear
          </button>
        </div>
      </form>
      <Alert message={error} />
      {open && <RequestDetail requestId={open} onClose={() => setOpen(undefined)} />}
      {data && (
        <>
          <table class="audit">
            <caption>
              {cursors.length === 1 ? 'The newest entries' : `Older entries, page ${cursors.length}`}, newest first
            </caption>
            <thead>
              <HeaderRow columns={['Time', 'Who', 'Server', 'Tool', 'What', 'Why', 'Outcome']} actions="Details" />
            </thead>
            <tbody>
              {rows.length === 0 && (
                <tr>
                  <td colSpan={8} class="empty">
                    Nothing matches.
                  </td>
                </tr>
              )}
              {rows.map((row) => ('requestId' in row ? <RequestRow key={row.seq} request={row} onOpen={() => setOpen(row.requestId)} /> : <EventRow key={row.seq} row={row} />))}
            </tbody>
          </table>
          <nav class="buttons pager" aria-label="Audit pages">
            <button type="button" disabled={cursors.length === 1} onClick={() => setCursors(cursors.slice(0, -1))}>
              Newer
            </button>
            <button type="button" disabled={data.next === undefined} onClick={() => setCursors([...cursors, data.next])}>
              Older
            </button>
          </nav>
        </>
      )}
    </>
  );
}

function RequestRow({ request: { decision, outcome }, onOpen }: { request: AuditRequest & { decision: DecisionEntry }; onOpen: () => void }) {
  return (
    <tr>
      <td>
        <When at={decision.time} />
      </td>
      <td>{decision.grant.label}</td>
      <td>{decision.server}</td>
      <td>{decision.tool === undefined ? decision.method : <code>{decision.tool}</code>}</td>
      <td>
        <span class={`verdict verdict-${decision.decision}`}>{DECISION_WORDS[decision.decision]}</span>
      </td>
      <td>{decision.decision === 'allowed' ? '' : (decision.message ?? decision.rule ?? '')}</td>
      <td>{outcome ? `${outcome.status}, ${outcome.upstreamMs.toFixed(1)} ms` : '—'}</td>
      <td>
        <button type="button" onClick={onOpen} aria-label={`Details of ${decision.tool ?? decision.method} at ${new Date(decision.time).toLocaleString()}`}>
          Details
        </button>
      </td>
    </tr>
  );
}

/** A policy change, an approval's step or a pin review, in one line as `audit tail` prints it. */
function EventRow({ row }: { row: AuditEvent }) {
  const event = 'policy' in row ? row.policy : 'approval' in row ? row.approval : row.pin;
  const [what, why] =
    'policy' in row
      ? [`Policy ${row.policy.event.replace('_', ' ')}${row.policy.rule ? ` (${row.policy.rule})` : ''}${row.policy.to === undefined ? '' : ` to version ${row.policy.to}`}`, `${row.policy.previous ?? '(none)'} → ${row.policy.version}`]
      : 'approval' in row
        ? [`Approval ${row.approval.event}`, row.approval.reason ?? `for ${row.approval.grant.label}`]
        : [`Pin ${row.pin.event}`, row.pin.changes?.join('; ') ?? row.pin.digest.slice(0, 12)];
  return (
    <tr class="event">
      <td>
        <When at={event.time} />
      </td>
      <td>{event.by ?? '—'}</td>
      <td>{event.server}</td>
      <td>{event.tool === undefined ? <span class="empty">whole policy</span> : <code>{event.tool}</code>}</td>
      <td>{what}</td>
      <td>{why}</td>
      <td />
      <td />
    </tr>
  );
}

/** One request's record in full: the decision and why, the arguments as the audit setting kept them, the outcome and timings, its chain links. */
function RequestDetail({ requestId, onClose }: { requestId: string; onClose: () => void }) {
  const { data, error } = useApi<{ request: AuditRequest; chain: ChainLink[] }>(`/admin/audit/${encodeURIComponent(requestId)}`);
  const decision = data?.request.decision;
  const outcome = data?.request.outcome;
  const fact = (term: string, value: ComponentChildren) =>
    value === undefined ? null : (
      <div>
        <dt>{term}</dt>
        <dd>{value}</dd>
      </div>
    );
  return (
    <section class="panel detail" aria-labelledby="detail-heading">
      <h2 id="detail-heading">Request {requestId}</h2>
      <Alert message={error} />
      {decision && (
        <dl class="facts">
          {fact('Time', <When at={decision.time} />)}
          {fact('Grant', `${decision.grant.label} (${decision.grant.id})`)}
          {fact('Client', decision.client && `${decision.client.name ?? '?'} ${decision.client.version ?? ''}`)}
          {fact('Server', decision.server)}
          {fact('Call', `${decision.method}${decision.tool === undefined ? '' : ` ${decision.tool}`}`)}
          {fact('Decision', DECISION_WORDS[decision.decision])}
          {fact('Reason', decision.reason)}
          {fact('Rule', decision.rule && <code>{decision.rule}</code>)}
          {fact('Rule name', decision.ruleName)}
          {fact('The agent read', decision.message)}
          {fact('Policy version', decision.policy && <code>{decision.policy}</code>)}
          {fact('Arguments', <Arguments shown={decision.args === undefined ? {} : { arguments: decision.args }} />)}
          {fact('Outcome', outcome ? `${outcome.status}${outcome.errorCode === undefined ? '' : ` (error ${outcome.errorCode})`}` : 'none: not forwarded, or not ended')}
          {outcome && fact('Time in the gateway', `${outcome.gatewayMs.toFixed(2)} ms`)}
          {outcome && fact('Time upstream', `${outcome.upstreamMs.toFixed(2)} ms`)}
        </dl>
      )}
      {data && (
        <>
          <h3>In the hash chain</h3>
          <table>
            <thead>
              <tr>
                <th scope="col" class="number">Seq</th>
                <th scope="col">Entry</th>
                <th scope="col">Hash</th>
                <th scope="col">Previous hash</th>
              </tr>
            </thead>
            <tbody>
              {data.chain.map((link) => (
                <tr key={link.seq}>
                  <td class="number">{link.seq}</td>
                  <td>{link.kind}</td>
                  <td>
                    <code class="hash">{link.hash}</code>
                  </td>
                  <td>
                    <code class="hash">{link.prevHash}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      <button type="button" onClick={onClose}>
        Close
      </button>
    </section>
  );
}
