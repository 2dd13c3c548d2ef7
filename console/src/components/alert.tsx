/** A failure said in words, announced to screen readers as it appears; nothing when there is none. */
export function Alert({ message, id }: { message: string | undefined; id?: string }) {
  if (!message) return null;
  return (
    <p id={id} role="alert" class="error">
      {message}
    </p>
  );
}
