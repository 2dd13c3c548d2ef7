import { useState } from 'preact/hooks';
import { signIn, type Session } from './session.js';
import { Alert } from './components/alert.js';

/**
 * The admin token, typed or pasted once and traded for a session cookie. The field is a password field, so the
 * browser neither shows it nor offers it to autocomplete; the form posts by script, so the token is never in a URL.
 */
export function SignIn({ onSignedIn }: { onSignedIn: (session: Session) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      onSignedIn(await signIn(token.trim()));
    } catch (failure) {
      setError((failure as Error).message);
      setBusy(false);
    }
  };
  return (
    <main class="sign-in">
      <h1>Toolgate console</h1>
      <form onSubmit={(event) => void submit(event)} aria-describedby={error ? 'sign-in-error' : undefined}>
        <label for="token">Admin token</label>
        <input id="token" name="token" type="password" autocomplete="off" required value={token} onInput={(event) => setToken(event.currentTarget.value)} aria-invalid={error ? true : undefined} />
        <p class="hint">The token from <code>toolgate admin token</code> (the demo prints one).</p>
        <Alert id="sign-in-error" message={error} />
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
    </main>
  );
}
