import type { AuditSink } from '../audit/audit-sink.js';
import { joinOutcomes } from '../audit/join-outcomes.js';
import { HttpError } from '../http/http-error.js';
import type { Handlers, Reply } from './admin-api.js';
import { decodeSegment } from './json-http.js';

const REQUEST_PATH = /^\/admin\/audit\/([^/]+)$/;
export const AUDIT_OFF = 'the audit log is off in this configuration';

/** `GET /admin/audit/<requestId>`: one request's record in full, its decision with its outcome and their chain links. Undefined for any other path. */
export function auditRequestRoute(path: string, audit: AuditSink | undefined): Handlers | undefined {
  const match = REQUEST_PATH.exec(path);
  if (!match) return undefined;
  const requestId = decodeSegment(match[1]!, 'requestId');
  return { GET: () => auditRequest(audit, requestId) };
}

async function auditRequest(audit: AuditSink | undefined, requestId: string): Promise<Reply> {
  if (!audit) throw new HttpError(404, AUDIT_OFF);
  // A request has a decision and at most one outcome; the request_id index finds them in any log size.
  const { entries } = await audit.query({ requestId }, { limit: 10, order: 'asc' });
  const [request] = joinOutcomes(entries);
  if (!request) throw new HttpError(404, `no request ${requestId} in the audit log`);
  // Each entry's link in the hash chain, so a reader can hold the record against `audit verify` or a published head.
  const chain = entries.map(({ seq, entry, prevHash, hash }) => ({ seq, kind: entry.kind, prevHash, hash }));
  return { status: 200, body: { request, chain } };
}
