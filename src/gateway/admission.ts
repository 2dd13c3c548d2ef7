import type { Item, ListKind } from './inventory.js';
import type { Session } from './session.js';

/** One request about to be forwarded, as the gateway's choke point sees it. */
export interface AdmissionRequest {
  session: Session;
  server: string;
  method: string;
  /** The tool or prompt name as the upstream knows it, or the resource URI. */
  name?: string;
  arguments?: unknown;
}

export type Verdict = { allow: true } | { allow: false; message: string };

/**
 * The single choke point every forwarded request passes, and the filter every list passes.
 * The policy engine plugs in here; until it does, everything is admitted.
 */
export interface Admission {
  admit(request: AdmissionRequest): Verdict | Promise<Verdict>;
  listed(session: Session, server: string, kind: ListKind, item: Item): boolean;
}

export const admitAll: Admission = {
  admit: () => ({ allow: true }),
  listed: () => true,
};
