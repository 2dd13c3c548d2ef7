import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError } from '../http/http-error.js';
import { readBody } from '../http/read-body.js';
import type { Approver } from './approval.js';
import type { ApprovalDesk } from './approval-desk.js';
import { verifyLink, type LinkCheck } from './approval-links.js';
import { confirmationPage, messagePage } from './approval-link-page.js';
import { ApprovalError } from './approvals.js';

/** `/approvals/<id>/<verdict>`: where a signed link points. */
export const LINK_PATH = /^\/approvals\/([^/]+)\/([^/]+)$/;

export interface ApprovalLinkOptions {
  readonly approvals: ApprovalDesk;
  /** `approvals.webhook.secret`, which the links were signed with. */
  readonly secret: string;
  /** Who a link decides as (`approvals.webhook.link_approver`, in the groups that list that name). */
  readonly approver: Approver;
  readonly clock?: () => number;
}

/** The form sends a reason at most; anything larger is not the form. */
const MAX_FORM_BYTES = 8 * 1024;

/**
 * The signed approve and deny links a webhook's message carries. The link is the credential, so this is not under
 * `/admin/` and asks for no token of an admin. GET decides nothing: chat apps, mail scanners and browsers fetch
 * links ahead of a person (to preview them, or to check them for malware), and a GET that approved would let them
 * approve. GET shows the request and a button; the button's POST, to the same URL, decides. A link can decide once:
 * the request is then no longer pending (approval-links.ts).
 */
export class ApprovalLinkEndpoint {
  private readonly clock: () => number;

  constructor(private readonly options: ApprovalLinkOptions) {
    this.clock = options.clock ?? Date.now;
  }

  async handle(req: IncomingMessage, res: ServerResponse, id: string, verdict: string): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'POST') return send(res, 405, messagePage('Not allowed', 'Open the link in a browser.'), { allow: 'GET, POST' });
    const check = verifyLink(this.options.secret, new URL(req.url ?? '/', 'http://gateway').searchParams.get('token'), this.clock(), { id, verdict });
    if (!check.ok) return send(res, 403, messagePage('This link does not work', REFUSED[check.reason]));
    const request = await this.options.approvals.store.get(check.id);
    if (!request) return send(res, 404, messagePage('No such request', `There is no approval request ${check.id} (any more).`));
    if (req.method === 'GET') {
      if (request.state !== 'pending') return send(res, 409, messagePage('Already decided', `Approval request ${request.id} is ${request.state}: there is nothing left to decide.`));
      return send(res, 200, confirmationPage(request, check.verdict));
    }
    const reason = new URLSearchParams(await readBody(req, MAX_FORM_BYTES, () => new HttpError(413, `the form is larger than ${MAX_FORM_BYTES} bytes`))).get('reason')?.trim() || undefined;
    try {
      const decided = await this.options.approvals.decide(check.id, this.options.approver, check.verdict, reason);
      return send(res, 200, messagePage(DONE[decided.state === 'pending' ? 'counted' : check.verdict], `Approval request ${decided.id} is ${decided.state}.`));
    } catch (error) {
      if (error instanceof ApprovalError) return send(res, 409, messagePage('Not decided', error.message));
      throw error;
    }
  }
}

const REFUSED: Record<Extract<LinkCheck, { ok: false }>['reason'], string> = {
  malformed: 'The link is incomplete: copy all of it, including the token.',
  'bad signature': 'The link was not made by this gateway, or it was changed.',
  expired: 'The link has expired, and with it the request.',
  'another link': 'The link’s token is for another request or another verdict.',
};

const DONE = { approve: 'Approved', deny: 'Denied', counted: 'Your approval is counted; more are needed' } as const;

/**
 * No cache keeps a page; no frame may hold one (a page framed under a decoy could be clicked unseen); and the link's
 * token is sent as a referrer to this gateway only.
 */
function send(res: ServerResponse, status: number, html: string, headers: Record<string, string> = {}): void {
  res
    .writeHead(status, {
      'content-type': 'text/html; charset=utf-8',
      'content-length': Buffer.byteLength(html),
      'cache-control': 'no-store',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
      'x-frame-options': 'DENY',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'same-origin',
      ...headers,
    })
    .end(html);
}
