/** A moment as a person reads it, in the browser's locale and zone, and machine-readable in `dateTime`. */
export function When({ at }: { at: number | string }) {
  const date = new Date(at);
  return <time dateTime={date.toISOString()}>{date.toLocaleString()}</time>;
}
