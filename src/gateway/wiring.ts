import type { Logger } from 'pino';
import type { GatewayConfig, ServerConfig } from '../config/schema.js';
import { DocumentError } from '../documents/errors.js';
import type { AuditSink } from '../audit/audit-sink.js';
import { openAuditSink } from '../audit/open-audit-sink.js';
import type { ApprovalStore } from '../approvals/approval-store.js';
import { openApprovalStore } from '../approvals/open-approval-store.js';
import type { PinStore } from '../catalog/pin-store.js';
import { openPinStore } from '../catalog/open-pin-store.js';
import type { GrantStore } from '../grants/grant-store.js';
import { openGrantStore } from '../grants/open-grant-store.js';
import type { CounterStore } from '../limits/counter-store.js';
import { openCounterStore } from '../limits/open-store.js';
import { openFleet, type Fleet } from '../fleet/open-fleet.js';
import { UpstreamConnection } from '../upstream/connection.js';
import type { UpstreamTransport } from '../upstream/transport.js';
import { transportFor } from '../upstream/transport-for.js';
import type { Admission } from './admission.js';
import { Gateway, type StoreOpeners } from './gateway.js';
import { PolicyAdmission } from './policy-admission.js';
import { DEFAULT_SESSION_BOUNDS, SessionRegistry, type SessionBounds } from './session-registry.js';

/** What a caller (a test, an embedding program) may put in place of what the configuration would make. */
export interface GatewayOverrides {
  /** The wire to each server; by default the configuration's (a spawned process, or HTTP). */
  transport?: (name: string, server: ServerConfig) => UpstreamTransport;
  /** Stores used as they are instead of opening those the configuration names. */
  stores?: { counters?: CounterStore; grants?: GrantStore; audit?: AuditSink; pins?: PinStore; approvals?: ApprovalStore; fleet?: Fleet };
  admission?: Admission;
  /** Session bounds and timers beyond what the configuration sets (tests shorten the timers). */
  sessions?: Partial<SessionBounds>;
}

/**
 * Builds a gateway from its configuration: the one place that decides which parts it is made of, shared by
 * `serve`, `stdio` and the tests. Nothing is opened or connected until `start` (or `open` and `connect`).
 */
export function createGateway(config: GatewayConfig, log: Logger, overrides: GatewayOverrides = {}): Gateway {
  const bounds = { ...DEFAULT_SESSION_BOUNDS, max: config.sessions.max, maxPerGrant: config.sessions.max_per_grant, ...overrides.sessions };
  const transport = overrides.transport ?? ((_name: string, server: ServerConfig) => transportFor(server));
  return new Gateway(config, log, {
    createUpstream: (name, server, listener) => new UpstreamConnection(name, server, { createTransport: () => transport(name, server), listener }),
    admission: overrides.admission ?? new PolicyAdmission(config, log),
    stores: storeOpeners(config, bounds.idleMs, overrides.stores ?? {}),
    sessions: new SessionRegistry(bounds),
  });
}

/** Opens where each part's state lives; one that cannot be opened is a configuration error naming it. */
function storeOpeners(config: GatewayConfig, idleMs: number, given: NonNullable<GatewayOverrides['stores']>): StoreOpeners {
  const opening =
    <T>(part: keyof GatewayConfig['store'], open: (spec: string) => Promise<T>, ready: T | undefined) =>
    async (): Promise<T> => {
      if (ready) return ready;
      const spec = config.store[part];
      try {
        return await open(spec);
      } catch (error) {
        throw new DocumentError('configuration', [{ pointer: `/store/${part}`, message: `could not open ${spec}: ${(error as Error).message}` }]);
      }
    };
  return {
    counters: opening('counters', (spec) => openCounterStore(spec, config.durability), given.counters),
    grants: opening('grants', openGrantStore, given.grants),
    audit: opening('audit', (spec) => openAuditSink(spec, config.durability), given.audit),
    pins: opening('pins', openPinStore, given.pins),
    approvals: opening('approvals', openApprovalStore, given.approvals),
    fleet: opening('sessions', (spec) => openFleet(spec, idleMs), given.fleet),
  };
}
