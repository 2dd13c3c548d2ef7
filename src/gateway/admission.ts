import type { Decision, DenyReason, RulePointer } from '../policy/decision.js';
import type { LoadedPolicy } from '../policy/parse.js';
import type { PolicyLoad } from '../policy/policy-load.js';
import type { FleetBus } from '../fleet/fleet-bus.js';
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

/** What the audit log keeps of a call's arguments, as the policy says (the top-level keys unless it says more). */
export type AuditArgs = 'keys' | 'full' | 'redacted';

export type Verdict =
  | { allow: true; decision?: Decision; policy?: string; auditArgs?: AuditArgs }
  | {
      allow: false;
      message: string;
      rule: RulePointer;
      /** The name of that rule, when the policy gives one. */
      name?: string;
      reason:
        | DenyReason
        | 'not_granted'
        /** a call held for approval that was denied, expired or abandoned */
        | 'approval_denied'
        /** a call whose approval is asked for (retry mode): retried once approved, it passes */
        | 'approval_pending'
        | 'rate_limited'
        | 'store_unavailable'
        | 'audit_unavailable'
        /** a tool no server behind the endpoint lists */
        | 'unknown_tool'
        /** a method that is no MCP method, which no policy allows by its exact name */
        | 'unknown_method'
        /** a method the aggregate cannot send to one server */
        | 'unroutable'
        /** a tool whose definition changed since it was pinned, held for review */
        | 'changed'
        /** a tool whose definition could not be checked against its pin */
        | 'unreviewed';
      policy?: string;
      auditArgs?: AuditArgs;
      /** For a rate limit: when the next call will pass. */
      retryAfterSeconds?: number;
    };

export type Denial = Extract<Verdict, { allow: false }>;

/**
 * The single choke point every forwarded request passes, and the filter every list passes. The policy engine
 * decides here; grants (whose policy applies) and counters plug in around it.
 */
export interface Admission {
  admit(request: AdmissionRequest): Verdict;
  listed(session: Session, server: string, kind: ListKind, item: Item): boolean;
  /** Whether a server's items are hidden from this caller because the server has no policy (and its grant none of its own). */
  unpoliced(session: Session, server: string): boolean;
  /** The policy configured for a server (not a grant's own), as the catalogue shows it; undefined: none. */
  policy(server: string): LoadedPolicy | undefined;
  /** Where a server's policy comes from, the one in force, and the last reload's error; undefined: no such server. */
  policyLoad(server: string): PolicyLoad | undefined;
  /** Reads a server's policy file again now (after a write), rather than when the watcher fires; keeps the last good one if it does not load. */
  reload(server: string): PolicyLoad | undefined;
  /** Joins the fleet's bus, where replicas tell each other of policy changes (a fleet of one has a bus too). */
  join?(bus: FleetBus): void;
  close?(): void;
}
