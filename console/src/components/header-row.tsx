/**
 * A table's header row: a column header for each name, then, with `actions`, one for the column of buttons, its name
 * read by screen readers only (the buttons say what they do).
 */
export function HeaderRow({ columns, actions }: { columns: readonly string[]; actions?: string }) {
  return (
    <tr>
      {columns.map((name) => (
        <th key={name} scope="col">
          {name}
        </th>
      ))}
      {actions !== undefined && (
        <th scope="col">
          <span class="visually-hidden">{actions}</span>
        </th>
      )}
    </tr>
  );
}
