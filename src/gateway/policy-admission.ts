import type { Logger } from 'pino';
import type { GatewayConfig } from '../config/schema.js';
import { reaches, type Caller } from '../grants/authenticator.js';
import { auditArgs, decide, listed, methodAllowed } from '../policy/decide.js';
import { isMcpMethod } from '../protocol/methods.js';
import { NO_POLICY, notPermitted } from '../policy/decision.js';
import type { LoadedPolicy } from '../policy/parse.js';
import type { PolicyLoad, PolicySource } from '../policy/policy-load.js';
import { DocumentError } from '../documents/errors.js';
import { loadPolicy, watchPolicyFile } from '../policy/policy-file.js';
import { FLEET_CHANNEL, type FleetBus } from '../fleet/fleet-bus.js';
import type { Admission, AdmissionRequest, Verdict } from './admission.js';
import type { Item, ListKind } from './inventory.js';
import type { Session } from './session.js';

/** The method whose permission governs whether a list's items are shown. */
const USE_OF: Record<ListKind, string | undefined> = { tools: undefined, prompts: 'prompts/get', resources: 'resources/read', resourceTemplates: 'resources/read' };

/** The rule named when a grant reaches for a server it was not given. */
export const NOT_GRANTED = '(not granted)';

/**
 * Each server's policy, or the caller's grant's own, applied at the choke point. A server without a policy is
 * denied everything, and so is a grant whose policy file cannot be read. Policy files are watched: an edit takes
 * effect on the next call, and an edit that does not validate is logged and ignored, the last good policy staying
 * in force. In a fleet, a replica that loads a new version of a file tells the others, which read it at once rather
 * than when their own watch notices.
 */
export class PolicyAdmission implements Admission {
  /** Each server's policy load: what is in force, and the last reload's error (admin/policy-routes.ts shows both). */
  private readonly loads = new Map<string, PolicyLoad>();
  /** Grants' own policies by file, loaded at a grant's first call (grants are made while the gateway runs). */
  private readonly grantPolicies = new Map<string, LoadedPolicy | undefined>();
  private readonly unwatch: (() => void)[] = [];
  private bus?: FleetBus;

  /** Loads every server's policy; one that does not validate stops the gateway from starting (DocumentError). */
  constructor(
    config: GatewayConfig,
    private readonly log: Logger,
  ) {
    for (const [server, { policy }] of Object.entries(config.servers)) {
      const source: PolicySource = policy === undefined ? { kind: 'none' } : typeof policy === 'string' ? { kind: 'file', file: policy } : { kind: 'inline' };
      this.loads.set(server, policy === undefined ? { source } : { source, loaded: loadPolicy(policy, `servers.${server}.policy`), loadedAt: Date.now() });
    }
    const files = new Set(Object.values(config.servers).flatMap(({ policy }) => (typeof policy === 'string' ? [policy] : [])));
    for (const file of files) this.unwatch.push(watchPolicyFile(file, () => this.fileChanged(file, true)));
  }

  /** Joins a fleet: each new version this replica loads is announced, and each one another announces is read here. */
  join(bus: FleetBus): void {
    this.bus = bus;
    this.unwatch.push(
      bus.subscribe(FLEET_CHANNEL, (message) => {
        if (message.kind === 'policy' && message.from !== bus.replica && typeof message.file === 'string') this.fileChanged(message.file, false);
      }),
    );
  }

  /** The policy in force for a server, not a grant's own (undefined: none configured). */
  policy(server: string): LoadedPolicy | undefined {
    return this.loads.get(server)?.loaded;
  }

  policyLoad(server: string): PolicyLoad | undefined {
    return this.loads.get(server);
  }

  reload(server: string): PolicyLoad | undefined {
    const load = this.loads.get(server);
    if (load?.source.kind === 'file' && this.refresh(server)) this.announce(load.source.file);
    return this.loads.get(server);
  }

  /** Reads `file` again for every server and grant policy loaded from it; `announce` tells the fleet of a new version. */
  private fileChanged(file: string, announce: boolean): void {
    let newer = false;
    for (const [server, { source }] of this.loads) if (source.kind === 'file' && source.file === file) newer = this.refresh(server) || newer;
    if (this.grantPolicies.has(file)) newer = this.loadGrantPolicy(file) || newer;
    if (newer && announce) this.announce(file);
  }

  private announce(file: string): void {
    this.bus?.publish(FLEET_CHANNEL, { kind: 'policy', file, from: this.bus.replica });
  }

  /** Reads a server's policy file again; true when a new version is now in force. */
  private refresh(server: string): boolean {
    const load = this.loads.get(server)!;
    if (load.source.kind !== 'file') return false;
    const { file } = load.source;
    try {
      const loaded = loadPolicy(file, file);
      // An unchanged file (the watcher firing after a write already loaded) is not a reload.
      if (loaded.compiled.version === load.loaded?.compiled.version && !load.error) return false;
      this.loads.set(server, { source: load.source, loaded, loadedAt: Date.now() });
      this.log.info({ server, policy: loaded.compiled.version }, `policy for ${server} reloaded from ${file}`);
      return loaded.compiled.version !== load.loaded?.compiled.version;
    } catch (error) {
      const problems = error instanceof DocumentError ? error.problems : [];
      this.loads.set(server, { ...load, error: { time: Date.now(), message: (error as Error).message, problems } });
      this.log.error({ server }, `policy for ${server} not reloaded, the last good one stays in force: ${(error as Error).message}`);
      return false;
    }
  }

  /** The policy that governs this caller on this server: its grant's own, else the server's. */
  private policyFor(caller: Caller, server: string): LoadedPolicy | undefined {
    if (caller.policy === null) return this.policy(server);
    const file = caller.policy;
    if (!this.grantPolicies.has(file)) {
      this.grantPolicies.set(file, undefined);
      this.loadGrantPolicy(file);
      this.unwatch.push(watchPolicyFile(file, () => this.fileChanged(file, true)));
    }
    return this.grantPolicies.get(file);
  }

  /** Reads a grant's policy file; true when a new version is now in force. */
  private loadGrantPolicy(file: string): boolean {
    const before = this.grantPolicies.get(file)?.compiled.version;
    try {
      const loaded = loadPolicy(file, file);
      this.grantPolicies.set(file, loaded);
      return loaded.compiled.version !== before;
    } catch (error) {
      const kept = before === undefined ? 'its grants are denied everything until it loads' : 'the last good one stays in force';
      this.log.error({ policy: file }, `grant policy ${file} not loaded, ${kept}: ${(error as Error).message}`);
      return false;
    }
  }

  admit(request: AdmissionRequest): Verdict {
    const subject = () => (request.method === 'tools/call' ? notPermitted(request.name ?? '') : `${request.method} is not permitted by policy`);
    const caller = request.session.caller;
    if (!reaches(caller, request.server)) {
      return { allow: false, message: `${subject()}: grant "${caller.label}" may not reach server "${request.server}"`, rule: NOT_GRANTED, reason: 'not_granted' };
    }
    const loaded = this.policyFor(caller, request.server);
    if (!loaded) {
      const why = caller.policy === null ? `server "${request.server}" has no policy` : `the policy of grant "${caller.label}" (${caller.policy}) does not load`;
      return { allow: false, message: `${subject()}: ${why}`, rule: NO_POLICY, reason: 'no_policy' };
    }
    const policy = loaded.compiled;
    if (!isMcpMethod(request.method)) {
      // No MCP method, however close it looks (`Tools/Call`, `tools/call `): only an extension the policy names
      // exactly passes, never one a pattern or the default happens to allow.
      if (policy.methods.exact.get(request.method) === 'allow') return { allow: true, policy: policy.version };
      const message = `Method not found: ${request.method} is not an MCP method, and the policy does not allow it by name`;
      return { allow: false, message, rule: '(unknown method)', reason: 'unknown_method', policy: policy.version };
    }
    if (request.method !== 'tools/call') {
      const method = methodAllowed(policy, request.method);
      if (method.allow) return { allow: true, policy: policy.version };
      return { allow: false, message: `${request.method} is not permitted by policy`, rule: method.rule, reason: 'denied', policy: policy.version };
    }
    const decision = decide(policy, { tool: request.name ?? '', args: request.arguments });
    const recorded = auditArgs(policy, request.name ?? '');
    if (decision.kind !== 'allow') {
      const name = decision.kind === 'deny' && decision.name !== undefined && { name: decision.name };
      return { allow: false, message: decision.message, rule: decision.rule, ...name, reason: decision.reason, policy: policy.version, auditArgs: recorded };
    }
    if (decision.shadow) {
      this.log.warn({ server: request.server, tool: request.name, rule: decision.shadow.rule, policy: policy.version }, `shadow mode: would refuse: ${decision.shadow.message}`);
    }
    return { allow: true, decision, policy: policy.version, auditArgs: recorded };
  }

  listed(session: Session, server: string, kind: ListKind, item: Item): boolean {
    if (!reaches(session.caller, server)) return false;
    const loaded = this.policyFor(session.caller, server);
    if (!loaded) return false;
    const use = USE_OF[kind];
    return use === undefined ? listed(loaded.compiled, String(item.name)) : methodAllowed(loaded.compiled, use).allow;
  }

  unpoliced(session: Session, server: string): boolean {
    return session.caller.policy === null && reaches(session.caller, server) && this.policy(server) === undefined;
  }

  close(): void {
    for (const stop of this.unwatch.splice(0)) stop();
  }
}
