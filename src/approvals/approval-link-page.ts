import type { ApprovalRequest } from './approval.js';
import type { LinkVerdict } from './approval-links.js';

/**
 * The pages a signed link answers with: plain HTML, no script, no resource from anywhere, every value escaped. The
 * confirmation's form posts to the page's own URL (no `action`), so the token goes with it and a gateway behind a
 * path prefix still works.
 */
export function confirmationPage(request: ApprovalRequest, verdict: LinkVerdict): string {
  const { grant, server, tool } = request.binding;
  const verb = verdict === 'approve' ? 'Approve' : 'Deny';
  const rows: [string, string][] = [
    ['call', `${server} ${tool}`],
    ['asked by', grant.label],
    ...(request.shown.message ? [['message', request.shown.message] as [string, string]] : []),
    ['arguments', JSON.stringify(request.shown.arguments ?? null)],
    ['approvers', request.approvers.length > 0 ? request.approvers.join(', ') : 'any'],
    ['open until', new Date(request.expiresAt).toISOString()],
  ];
  return page(
    `${verb} ${tool}?`,
    `<table>${rows.map(([name, value]) => `<tr><th>${escape(name)}</th><td>${escape(value)}</td></tr>`).join('')}</table>` +
      `<form method="post"><p><label>Reason (optional) <input name="reason" maxlength="1000"></label></p><p><button type="submit">${verb}</button></p></form>`,
  );
}

/** A page that says one thing: what was done, or why nothing was. */
export function messagePage(title: string, text: string): string {
  return page(title, `<p>${escape(text)}</p>`);
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escape(title)}</title><style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}th{text-align:left;padding-right:1rem;vertical-align:top}td{word-break:break-all}</style></head><body><h1>${escape(title)}</h1>${body}</body></html>\n`;
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
