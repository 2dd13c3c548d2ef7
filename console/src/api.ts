/** Why a call to the gateway failed: its status, and the gateway's own words (`{ "error": … }`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The CSRF value sign-in gave, held in this page's memory only: a reload asks the gateway for it again. */
let csrf: string | undefined;
let signedOut: () => void = () => {};

export function rememberCsrf(value: string | undefined): void {
  csrf = value;
}

/** What to do when the gateway answers 401: the session ended or expired, so the page shows the sign-in form. */
export function onSignedOut(handler: () => void): void {
  signedOut = handler;
}

/**
 * Every call the console makes to the gateway: same-origin, with the session cookie the browser holds, the CSRF
 * header on anything that changes state, and a 401 taken as "sign in again". Resolves to the JSON answer.
 */
export async function api<T>(path: string, { method = 'GET', body, headers: extra }: { method?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<T> {
  const headers: Record<string, string> = { ...extra };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrf !== undefined) headers['x-toolgate-csrf'] = csrf;
  const response = await fetch(path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  const answer = (await response.json().catch(() => ({}))) as { error?: string };
  // A refused sign-in is a 401 too: that one is the form's to show, not a session that ended.
  if (response.status === 401 && !(method === 'POST' && path === '/console/session')) {
    csrf = undefined;
    signedOut();
  }
  if (!response.ok) throw new ApiError(response.status, answer.error ?? `${method} ${path} answered ${response.status}`);
  return answer as T;
}
