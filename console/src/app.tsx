import { useEffect, useRef, useState } from 'preact/hooks';
import { onSignedOut } from './api.js';
import { Alert } from './components/alert.js';
import { PAGES, type ConsolePage } from './pages.js';
import { currentSession, signOut, type Session } from './session.js';
import { SignIn } from './sign-in.js';

/** The page the URL's fragment names (`#/approvals`), or the first. */
function pageAt(hash: string): ConsolePage {
  return PAGES.find((page) => `#/${page.path}` === hash) ?? PAGES[0]!;
}

function useHashPage(): ConsolePage {
  const [page, setPage] = useState(() => pageAt(location.hash));
  useEffect(() => {
    const changed = () => setPage(pageAt(location.hash));
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return page;
}

/** The console: the sign-in form until there is a session, then the navigation and the page it is on. */
export function App() {
  // undefined while the gateway is asked whether this browser is signed in.
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [failure, setFailure] = useState<string>();
  useEffect(() => {
    onSignedOut(() => setSession(null));
    currentSession().then(setSession, (error: Error) => setFailure(error.message));
  }, []);
  if (failure)
    return (
      <main>
        <Alert message={`The gateway could not be reached: ${failure}`} />
      </main>
    );
  if (session === undefined) return <main><p>Loading…</p></main>;
  if (session === null) return <SignIn onSignedIn={setSession} />;
  return <Shell session={session} onSignedOut={() => setSession(null)} />;
}

function Shell({ session, onSignedOut }: { session: Session; onSignedOut: () => void }) {
  const page = useHashPage();
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);
  useEffect(() => {
    document.title = `${page.title} · Toolgate console`;
    // A keyboard or screen-reader user who follows a link lands on the new page, not back at the top of the nav.
    if (!first.current) main.current?.focus();
    first.current = false;
  }, [page]);
  return (
    <>
      <header class="top">
        <span class="brand">Toolgate</span>
        <nav aria-label="Console pages">
          <ul>
            {PAGES.map((entry) => (
              <li key={entry.path}>
                <a href={`#/${entry.path}`} aria-current={entry === page ? 'page' : undefined}>
                  {entry.title}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="who">
          Signed in as <strong>{session.admin}</strong>
          <button type="button" onClick={() => void signOut().then(onSignedOut, onSignedOut)}>
            Sign out
          </button>
        </div>
      </header>
      <main ref={main} tabIndex={-1}>
        <page.Page />
      </main>
    </>
  );
}
