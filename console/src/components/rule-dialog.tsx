import { useState } from 'preact/hooks';
import { api, ApiError } from '../api.js';
import type { CatalogueRow, ToolRule } from '../catalogue.js';
import { Alert } from './alert.js';
import { Dialog } from './dialog.js';

/** What `PUT /admin/policies/<server>/tools/<tool>` answers: the new version, the one it replaced and its number among the kept versions. */
export interface RuleChange {
  server: string;
  tool: string;
  version: string;
  previous?: string;
  kept?: number;
  notes: { pointer: string; message: string }[];
}

const CHOICES: { rule: ToolRule['rule']; label: string; hint: string }[] = [
  { rule: 'allow', label: 'Allow', hint: 'Every call goes through.' },
  { rule: 'deny', label: 'Deny', hint: 'Every call is refused with your message; the agent reads it.' },
  { rule: 'limit', label: 'Rate-limit', hint: 'Calls beyond the counter’s maximum in its window are refused until it has room.' },
  { rule: 'approval', label: 'Require approval', hint: 'Each call waits until a person approves it on the Approvals page.' },
];

/** The form's fields, one set for every choice, so switching between choices keeps what was typed. */
interface Fields {
  rule: ToolRule['rule'];
  message: string;
  counter: string;
  window: string;
  max: string;
  scope: 'grant' | 'session' | 'global';
  approvalMessage: string;
  timeout: string;
}

/** The fields with the recommended rule chosen, and the catalogue's write budget in the counter's fields whatever is chosen. */
function recommendedFields(row: CatalogueRow): Fields {
  const fields: Fields = { rule: 'allow', message: '', counter: `${row.tool}_rate`, window: 'minute', max: '30', scope: 'grant', approvalMessage: '', timeout: '' };
  const change = row.recommendedRule.change;
  if (change.rule === 'limit') return { ...fields, rule: 'limit', counter: change.counter, window: String(change.window), max: String(change.max), scope: change.scope ?? 'grant' };
  return { ...fields, rule: change.rule };
}

/** The rule the fields say; an empty optional field is left out, so the policy's default applies. */
function ruleOf(fields: Fields): ToolRule {
  const given = (text: string) => (text.trim() === '' ? undefined : text.trim());
  switch (fields.rule) {
    case 'allow':
      return { rule: 'allow' };
    case 'deny':
      return { rule: 'deny', ...(given(fields.message) && { message: given(fields.message) }) };
    case 'limit':
      return { rule: 'limit', counter: fields.counter.trim(), window: /^\d+$/.test(fields.window.trim()) ? Number(fields.window) : fields.window.trim(), max: Number(fields.max), scope: fields.scope };
    case 'approval':
      return { rule: 'approval', ...(given(fields.approvalMessage) && { message: given(fields.approvalMessage) }), ...(given(fields.timeout) && { timeout: given(fields.timeout) }) };
  }
}

/** A refusal in the words a person acts on: a stale page is told to reload, anything else shows the gateway's own words. */
function refusal(error: Error): string {
  if (error instanceof ApiError && error.status === 412) return `The policy changed meanwhile — reload the catalogue and try again. (${error.message})`;
  return error.message;
}

/**
 * "Set a rule" for one tool: allow, deny with the agent's message, a rate limit or approval, with the catalogue's
 * recommendation chosen to begin with. Sent as `PUT …/tools/<tool>` with `If-Match` of the policy version the page
 * showed, so a change made meanwhile by someone else is not overwritten unseen.
 */
export function RuleDialog({ row, onSaved, onStale, onClose }: { row: CatalogueRow; onSaved: (change: RuleChange) => void; onStale: () => void; onClose: () => void }) {
  const [fields, setFields] = useState(() => recommendedFields(row));
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const set = (name: keyof Fields) => (event: { currentTarget: { value: string } }) => setFields((last) => ({ ...last, [name]: event.currentTarget.value }));
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const path = `/admin/policies/${encodeURIComponent(row.server)}/tools/${encodeURIComponent(row.tool)}`;
      const change = await api<Omit<RuleChange, 'tool'>>(path, { method: 'PUT', body: ruleOf(fields), headers: row.policy === undefined ? {} : { 'if-match': `"${row.policy}"` } });
      onSaved({ ...change, tool: row.tool });
    } catch (failure) {
      setError(failure as Error);
      setBusy(false);
    }
  };
  const id = (name: string) => `rule-${name}`;
  return (
    <Dialog title={<>Set a rule for <code>{row.tool}</code> on <code>{row.server}</code></>} onClose={onClose}>
      <p class="hint">
        Recommended: <strong>{row.recommended}</strong>
        {!row.recommendedRule.exact && ' — this form cannot say that exactly, so the closest rule that is no looser is chosen.'}
      </p>
      <form onSubmit={(event) => void submit(event)}>
        <fieldset>
          <legend>Rule</legend>
          {CHOICES.map((choice) => (
            <div class="choice" key={choice.rule}>
              <input type="radio" id={id(choice.rule)} name="rule" value={choice.rule} checked={fields.rule === choice.rule} autofocus={fields.rule === choice.rule} onChange={set('rule')} aria-describedby={id(`${choice.rule}-hint`)} />
              <label for={id(choice.rule)}>
                {choice.label}
                {row.recommendedRule.change.rule === choice.rule && <span class="badge recommended">recommended</span>}
              </label>
              <p id={id(`${choice.rule}-hint`)} class="hint">
                {choice.hint}
              </p>
            </div>
          ))}
        </fieldset>
        {fields.rule === 'deny' && (
          <div class="field">
            <label for={id('message')}>Message the agent reads</label>
            <textarea id={id('message')} rows={2} maxLength={1000} value={fields.message} onInput={set('message')} />
          </div>
        )}
        {fields.rule === 'limit' && (
          <div class="fields">
            <div class="field">
              <label for={id('counter')}>Counter</label>
              <input id={id('counter')} required value={fields.counter} onInput={set('counter')} aria-describedby={id('counter-hint')} />
              <p id={id('counter-hint')} class="hint">Tools that name the same counter share one budget.</p>
            </div>
            <div class="field">
              <label for={id('max')}>Most calls</label>
              <input id={id('max')} type="number" required min={1} step={1} value={fields.max} onInput={set('max')} />
            </div>
            <div class="field">
              <label for={id('window')}>Window</label>
              <input id={id('window')} required value={fields.window} onInput={set('window')} aria-describedby={id('window-hint')} />
              <p id={id('window-hint')} class="hint">second, minute, hour, day, or a duration like 15m</p>
            </div>
            <div class="field">
              <label for={id('scope')}>Counted</label>
              <select id={id('scope')} value={fields.scope} onChange={set('scope')}>
                <option value="grant">per grant</option>
                <option value="session">per session</option>
                <option value="global">for everyone</option>
              </select>
            </div>
          </div>
        )}
        {fields.rule === 'approval' && (
          <div class="fields">
            <div class="field">
              <label for={id('approval-message')}>Message the approver reads (optional)</label>
              <input id={id('approval-message')} maxLength={1000} value={fields.approvalMessage} onInput={set('approvalMessage')} />
            </div>
            <div class="field">
              <label for={id('timeout')}>Wait at most (optional)</label>
              <input id={id('timeout')} value={fields.timeout} onInput={set('timeout')} aria-describedby={id('timeout-hint')} />
              <p id={id('timeout-hint')} class="hint">a duration like 5m; the policy’s default if empty</p>
            </div>
          </div>
        )}
        <Alert message={error && refusal(error)} />
        <div class="buttons">
          <button type="submit" class="primary" disabled={busy}>
            Set rule
          </button>
          {error instanceof ApiError && error.status === 412 && (
            <button type="button" onClick={onStale}>
              Reload the catalogue
            </button>
          )}
        </div>
      </form>
    </Dialog>
  );
}
