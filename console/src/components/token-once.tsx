import { useState } from 'preact/hooks';

/**
 * A grant's token, the one time the gateway gives it (it keeps only a hash), with a Copy button. The clipboard can
 * refuse (no permission, not a secure context): then the person is told to select the token by hand.
 */
export function TokenOnce({ label, token, onDone }: { label: string; token: string; onDone: () => void }) {
  const [copied, setCopied] = useState('');
  const copy = () =>
    navigator.clipboard.writeText(token).then(
      () => setCopied('Copied to the clipboard.'),
      (error: Error) => setCopied(`The browser refused to copy (${error.message}): select the token and copy it by hand.`),
    );
  return (
    <section class="token-once" aria-labelledby="token-heading">
      <h2 id="token-heading">The token of {label}</h2>
      <p>
        <strong>Copy it now: it will not be shown again.</strong> The gateway keeps only its hash. The agent sends it as <code>Authorization: Bearer …</code>.
      </p>
      <p>
        <code class="token" aria-label={`Token of ${label}`}>
          {token}
        </code>
      </p>
      <div class="buttons">
        <button type="button" onClick={() => void copy()}>
          Copy
        </button>
        <button type="button" onClick={onDone}>
          Done
        </button>
      </div>
      <p role="status">{copied}</p>
    </section>
  );
}
