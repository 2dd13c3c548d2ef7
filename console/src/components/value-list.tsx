/**
 * A JSON value laid out for a person: an object as a definition list (name, then value), a list numbered, text as
 * text, and nested values the same way, indented. Everything is rendered as text, never as markup.
 */
export function Value({ value }: { value: unknown }) {
  if (Array.isArray(value)) {
    if (value.length === 0) return <span class="empty">(empty list)</span>;
    return (
      <ol class="value-list">
        {value.map((item, i) => (
          <li key={i}>
            <Value value={item} />
          </li>
        ))}
      </ol>
    );
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value);
    if (entries.length === 0) return <span class="empty">(nothing)</span>;
    return (
      <dl class="value-map">
        {entries.map(([name, item]) => (
          <div key={name}>
            <dt>{name}</dt>
            <dd>
              <Value value={item} />
            </dd>
          </div>
        ))}
      </dl>
    );
  }
  if (typeof value === 'string') return value === '' ? <span class="empty">(empty text)</span> : <span class="text">{value}</span>;
  return <code>{String(value)}</code>;
}
