import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { Alert } from '../components/alert.js';
import { HeaderRow } from '../components/header-row.js';
import { Value } from '../components/value-list.js';
import { When } from '../components/when.js';
import { useApi } from '../use-api.js';

interface PolicySummary {
  server: string;
  source: 'file' | 'inline' | 'none';
  file?: string;
  dialect?: string;
  version?: string;
  loadedAt?: string;
  error?: { time: string; message: string; problems: { pointer: string; message: string }[] };
}

interface Explained {
  decision: { kind: 'allow' | 'deny' | 'hidden'; rule: string; message?: string; reason?: string; approval?: unknown; limits?: unknown[] };
  trace: { rule: string; outcome: string; detail: string }[];
  policy: string;
}

const SOURCES: Record<PolicySummary['source'], string> = { file: 'file', inline: 'inline in the configuration', none: 'none (every call is denied)' };
const VERDICTS: Record<Explained['decision']['kind'], string> = { allow: 'Allowed', deny: 'Denied', hidden: 'Hidden' };

/** Each server's policy in force, its last reload and any reload error, read every five seconds; one server's document and `explain`. */
export function PolicyPage() {
  const { data, error, reload } = useApi<{ servers: PolicySummary[] }>('/admin/policies', 5_000);
  const [chosen, setChosen] = useState<string>();
  const server = chosen ?? data?.servers[0]?.server;
  const failing = data?.servers.filter((summary) => summary.error) ?? [];
  return (
    <>
      <h1>Policy</h1>
      <Alert message={error} />
      {failing.map((summary) => (
        <ReloadError key={summary.server} summary={summary} />
      ))}
      {data && (
        <table>
          <caption>The policy in force for each server</caption>
          <thead>
            <HeaderRow columns={['Server', 'Source', 'Dialect', 'Version', 'Last loaded', 'Last reload']} />
          </thead>
          <tbody>
            {data.servers.map((summary) => (
              <tr key={summary.server}>
                <th scope="row">{summary.server}</th>
                <td>
                  {SOURCES[summary.source]}
                  {summary.file && (
                    <>
                      {' '}
                      <code>{summary.file}</code>
                    </>
                  )}
                </td>
                <td>{summary.dialect ?? '—'}</td>
                <td>{summary.version ? <code>{summary.version}</code> : '—'}</td>
                <td>{summary.loadedAt ? <When at={summary.loadedAt} /> : '—'}</td>
                <td>{summary.error ? <strong class="error">failed</strong> : 'ok'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {data && server && (
        <>
          <label for="policy-server">Server</label>
          <select id="policy-server" value={server} onChange={(event) => setChosen(event.currentTarget.value)}>
            {data.servers.map((summary) => (
              <option key={summary.server}>{summary.server}</option>
            ))}
          </select>
          {/* Keyed by the version too: a new version in force is read again. */}
          <PolicyDocument key={`${server} ${data.servers.find((summary) => summary.server === server)?.version}`} server={server} />
          {data.servers.find((summary) => summary.server === server)?.source === 'file' && <KeptVersions key={`versions-${server}`} server={server} rolledBack={reload} />}
          <ExplainForm key={`explain-${server}`} server={server} />
        </>
      )}
    </>
  );
}

/** A reload that failed, said first on the page: the gateway still decides with the last good version. */
function ReloadError({ summary }: { summary: PolicySummary }) {
  const { error } = summary;
  if (!error) return null;
  return (
    <div role="alert" class="reload-error">
      <p>
        <strong>
          The policy of {summary.server} failed to reload at <When at={error.time} />.
        </strong>{' '}
        {summary.version ? `Version ${summary.version} stays in force.` : 'No version is in force.'}
      </p>
      <p class="text">{error.message}</p>
      {error.problems.length > 0 && (
        <ul>
          {error.problems.map((problem) => (
            <li key={problem.pointer + problem.message}>
              <code>{problem.pointer}</code>: {problem.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** The document in force, formatted. */
function PolicyDocument({ server }: { server: string }) {
  const { data, error } = useApi<{ document: unknown }>(`/admin/policies/${encodeURIComponent(server)}`);
  return (
    <section aria-labelledby="document-heading">
      <h2 id="document-heading">The document in force</h2>
      <Alert message={error} />
      {data && (data.document === null ? <p class="empty">No policy.</p> : <pre class="document" tabIndex={0} aria-label={`The policy of ${server}`}>{JSON.stringify(data.document, null, 2)}</pre>)}
    </section>
  );
}

interface KeptVersion {
  n: number;
  replacedAt: string;
  version: string;
  dialect?: string;
  error?: string;
}

/**
 * The versions the gateway kept of this server's file, newest first, each with a button that puts it back in force
 * (`POST …/rollback` with `If-Match` of the version this list was read under, so it never undoes a change it has not shown).
 */
function KeptVersions({ server, rolledBack }: { server: string; rolledBack: () => void }) {
  const path = `/admin/policies/${encodeURIComponent(server)}`;
  const { data, error, reload } = useApi<{ version: string; versions: KeptVersion[] }>(`${path}/versions`);
  const [status, setStatus] = useState<string>();
  const [failure, setFailure] = useState<string>();
  const rollBack = async (to: number) => {
    setStatus(undefined);
    setFailure(undefined);
    try {
      const done = await api<{ version: string }>(`${path}/rollback`, { method: 'POST', body: { to }, headers: { 'if-match': `"${data!.version}"` } });
      setStatus(`Version ${to} is back in force as ${done.version}.`);
      reload();
      rolledBack();
    } catch (failed) {
      setFailure((failed as Error).message);
    }
  };
  const newestFirst = [...(data?.versions ?? [])].sort((a, b) => b.n - a.n);
  return (
    <section aria-labelledby="versions-heading">
      <h2 id="versions-heading">Earlier versions</h2>
      <Alert message={error ?? failure} />
      {status && (
        <p role="status" class="done">
          {status}
        </p>
      )}
      {data && newestFirst.length === 0 && <p class="empty">None yet: a change made through the console or `toolgate policy set` keeps the version it replaces.</p>}
      {newestFirst.length > 0 && (
        <table>
          <caption>Each version of the file that a change replaced, newest first</caption>
          <thead>
            <HeaderRow columns={['Kept as', 'Replaced', 'Version', 'Dialect']} actions="Roll back" />
          </thead>
          <tbody>
            {newestFirst.map((kept) => (
              <tr key={kept.n}>
                <th scope="row">{kept.n}</th>
                <td>
                  <When at={kept.replacedAt} />
                </td>
                <td>
                  <code>{kept.version}</code>
                </td>
                <td>{kept.error ? <span class="error">does not load: {kept.error}</span> : (kept.dialect ?? '—')}</td>
                <td>
                  <button type="button" disabled={kept.version === data?.version || kept.error !== undefined} onClick={() => void rollBack(kept.n)}>
                    Roll back to {kept.n}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** The arguments typed, as the object `explain` takes, or why they are not one. */
function parseArguments(text: string): { args: Record<string, unknown> } | { problem: string } {
  if (text.trim() === '') return { args: {} };
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return { args: value as Record<string, unknown> };
    return { problem: 'Arguments: expected a JSON object, like {"path": "/tmp/a"}' };
  } catch (error) {
    return { problem: `Arguments: not JSON (${(error as Error).message})` };
  }
}

/** A tool and arguments, and what the policy in force decides for them, step by step. */
function ExplainForm({ server }: { server: string }) {
  const [tool, setTool] = useState('');
  const [args, setArgs] = useState('{}');
  const [problem, setProblem] = useState<string>();
  const [failure, setFailure] = useState<string>();
  const [explained, setExplained] = useState<Explained>();
  const submit = async () => {
    setFailure(undefined);
    setExplained(undefined);
    const parsed = parseArguments(args);
    if ('problem' in parsed) return setProblem(parsed.problem);
    setProblem(undefined);
    try {
      setExplained(await api<Explained>(`/admin/policies/${encodeURIComponent(server)}/explain`, { method: 'POST', body: { tool: tool.trim(), arguments: parsed.args } }));
    } catch (error) {
      setFailure((error as Error).message);
    }
  };
  return (
    <section aria-labelledby="explain-heading">
      <h2 id="explain-heading">Explain a call</h2>
      <form
        class="panel"
        onSubmit={(event) => {
          event.preventDefault();
          void submit();
        }}
      >
        <label for="explain-tool">Tool</label>
        <input id="explain-tool" type="text" required value={tool} onInput={(event) => setTool(event.currentTarget.value)} />
        <label for="explain-arguments">Arguments (JSON)</label>
        <textarea
          id="explain-arguments"
          rows={5}
          spellcheck={false}
          aria-invalid={problem !== undefined}
          aria-describedby={problem ? 'explain-arguments-error' : undefined}
          value={args}
          onInput={(event) => setArgs(event.currentTarget.value)}
        />
        <Alert id="explain-arguments-error" message={problem} />
        <button type="submit">Explain</button>
        <Alert message={failure} />
      </form>
      {explained && <Explanation explained={explained} />}
    </section>
  );
}

function Explanation({ explained: { decision, trace, policy } }: { explained: Explained }) {
  const { kind, rule, message, reason, ...more } = decision;
  return (
    <section aria-labelledby="explanation-heading" class="panel">
      <h3 id="explanation-heading">
        Decision: <span class={`verdict verdict-${kind}`}>{VERDICTS[kind]}</span>
      </h3>
      <dl class="facts">
        <div>
          <dt>Rule</dt>
          <dd>
            <code>{rule}</code>
          </dd>
        </div>
        {reason && (
          <div>
            <dt>Reason</dt>
            <dd>{reason}</dd>
          </div>
        )}
        {message && (
          <div>
            <dt>The agent reads</dt>
            <dd>{message}</dd>
          </div>
        )}
        <div>
          <dt>Policy version</dt>
          <dd>
            <code>{policy}</code>
          </dd>
        </div>
        {Object.entries(more).map(([name, value]) => (
          <div key={name}>
            <dt>{name}</dt>
            <dd>
              <Value value={value} />
            </dd>
          </div>
        ))}
      </dl>
      <h4>Trace</h4>
      {trace.length === 0 ? (
        <p class="empty">No rule was consulted.</p>
      ) : (
        <ol class="trace">
          {trace.map((step, i) => (
            <li key={i}>
              <code>{step.rule}</code> <strong>{step.outcome}</strong>: {step.detail}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
