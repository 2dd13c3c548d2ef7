import { api, ApiError, rememberCsrf } from './api.js';

/** Who is signed in, as `/console/session` says. */
export interface Session {
  readonly admin: string;
  readonly csrf: string;
  readonly expiresAt: number;
}

/** The session this browser's cookie holds, or null when it holds none that is live. */
export async function currentSession(): Promise<Session | null> {
  try {
    return held(await api<Session>('/console/session'));
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return null;
    throw error;
  }
}

/** Trades the admin token for a session cookie; the token is not kept anywhere. Rejects with the gateway's reason. */
export async function signIn(token: string): Promise<Session> {
  return held(await api<Session>('/console/session', { method: 'POST', body: { token } }));
}

export async function signOut(): Promise<void> {
  await api('/console/session', { method: 'DELETE' });
  rememberCsrf(undefined);
}

function held(session: Session): Session {
  rememberCsrf(session.csrf);
  return session;
}
