/** A ranked list as a table, each count with a bar drawn to scale; the numbers are the table's, the bars only show them. */
export function RankedBars({ caption, unit, rows }: { caption: string; unit: string; rows: readonly { server: string; tool: string; calls: number }[] }) {
  if (rows.length === 0) return <p class="empty">None in this hour.</p>;
  const highest = Math.max(...rows.map((row) => row.calls));
  return (
    <table class="ranked">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Tool</th>
          <th scope="col">Server</th>
          <th scope="col" class="number">
            {unit}
          </th>
          <th scope="col">
            <span class="visually-hidden">Bar</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={`${row.server}/${row.tool}`}>
            <th scope="row">
              <code>{row.tool}</code>
            </th>
            <td>{row.server}</td>
            <td class="number">{row.calls}</td>
            <td class="bar-cell">
              <svg aria-hidden="true" viewBox="0 0 100 12" width="200" height="12" preserveAspectRatio="none">
                <rect class="bar" x={0} y={1} width={(row.calls / highest) * 100} height={10} />
              </svg>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
