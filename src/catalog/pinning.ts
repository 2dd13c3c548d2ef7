import type { PinEntry } from '../audit/audit-record.js';
import type { PinningMode } from '../config/schema.js';
import { definitionChanges, describeChange, onlyWording } from './definition-changes.js';
import { siblingsOf } from './findings.js';
import type { Pin, PinStore } from './pin-store.js';
import { definitionDigest, pinnedDefinition } from './pinned-definition.js';
import type { ToolDefinition } from './tool-definition.js';

/** What the pin check says about one call of a tool. */
export type PinVerdict =
  | { ok: true }
  | { ok: false; reason: 'changed'; message: string }
  | { ok: false; reason: 'unreviewed'; message: string };

export type PinState = 'reviewed' | 'held' | 'unreviewed' | 'off';

export interface PinningParts {
  store: PinStore;
  mode(server: string): PinningMode;
  /** Writes a pin event to the audit log. */
  record(event: PinEntry): void | Promise<void>;
  /** Says that a changed tool was let through (`warn`), or that the store failed. */
  warn(server: string, message: string): void;
  clock?: () => number;
}

/** How often held tools are looked up again, so an approval (from the CLI, another replica) lets them through. */
export const APPROVAL_POLL_MS = 2_000;

/**
 * Definition pinning: each tool's definition is pinned the first time a server presents it (trust on first use);
 * every list fetched after that is compared with the pins, and a tool whose definition differs is held for review,
 * with what the change introduces (definition-changes.ts). Verdicts are kept in memory per server, so the call path
 * asks a Map; the store is read when a list is fetched and, while something is held, every couple of seconds.
 */
export class Pinning {
  /** Per server: the tools its last reviewed list had, each with its pinned digest, and for a held one the digest waiting. */
  private readonly reviewed = new Map<string, Map<string, { digest?: string; held?: string }>>();
  /** Servers whose last review could not reach the store: their calls are refused (fail closed). */
  private readonly unreachable = new Set<string>();
  /** One review at a time per server, in the order lists were fetched. */
  private readonly queue = new Map<string, Promise<void>>();
  private readonly clock: () => number;
  private poller?: NodeJS.Timeout;

  constructor(private readonly parts: PinningParts) {
    this.clock = parts.clock ?? Date.now;
  }

  /** Compares a freshly fetched tool list with the pins; resolves once the verdicts reflect it. Never rejects. */
  review(server: string, tools: readonly ToolDefinition[]): Promise<void> {
    const next = (this.queue.get(server) ?? Promise.resolve()).then(() => this.reviewNow(server, tools));
    this.queue.set(server, next);
    return next;
  }

  /** Whether a call of `tool` on `server` may go on as far as pinning goes. Synchronous: the call path's Map lookup. */
  verdict(server: string, tool: string): PinVerdict {
    if (this.parts.mode(server) === 'off') return { ok: true };
    if (this.unreachable.has(server)) return { ok: false, reason: 'unreviewed', message: `Tool "${tool}" cannot be checked against its reviewed definition: the pin store is unavailable` };
    const state = this.reviewed.get(server)?.get(tool);
    if (!state) return { ok: false, reason: 'unreviewed', message: `Tool "${tool}" is not in the server's tool list, so its definition was never reviewed` };
    if (state.held !== undefined && this.parts.mode(server) !== 'warn') return { ok: false, reason: 'changed', message: `Tool "${tool}" changed since it was reviewed` };
    return { ok: true };
  }

  /** Where a tool's definition stands: the reviewed one, held for review, never checked (or not checkable), or not pinned. */
  state(server: string, tool: string): PinState {
    if (this.parts.mode(server) === 'off') return 'off';
    const state = this.unreachable.has(server) ? undefined : this.reviewed.get(server)?.get(tool);
    if (!state) return 'unreviewed';
    return state.held === undefined ? 'reviewed' : 'held';
  }

  /** The digest of the reviewed definition a call of the tool goes to (what an approval is bound to). */
  digest(server: string, tool: string): string | undefined {
    const state = this.reviewed.get(server)?.get(tool);
    return state?.held ?? state?.digest;
  }

  /** Whether a tool is kept out of lists: held for review under `block` or `review`. */
  hides(server: string, tool: string): boolean {
    return this.state(server, tool) === 'held' && this.parts.mode(server) !== 'warn';
  }

  close(): void {
    clearInterval(this.poller);
    this.poller = undefined;
  }

  private async reviewNow(server: string, tools: readonly ToolDefinition[]): Promise<void> {
    const mode = this.parts.mode(server);
    const verdicts = new Map<string, { digest?: string; held?: string }>();
    try {
      if (mode !== 'off') {
        const pins = await this.parts.store.pinned(server);
        const siblings = siblingsOf(tools);
        for (const tool of tools) verdicts.set(tool.name, await this.check(server, tool, pins.get(tool.name), mode, siblings));
      }
      this.unreachable.delete(server);
    } catch (error) {
      this.unreachable.add(server);
      this.parts.warn(server, `pinned definitions could not be checked, so its tools are refused: ${(error as Error).message}`);
    }
    this.reviewed.set(server, verdicts);
    this.pollWhileHeld();
  }

  private async check(server: string, tool: ToolDefinition, pinned: Pin | undefined, mode: PinningMode, siblings: ReadonlySet<string>): Promise<{ digest: string; held?: string }> {
    const pin: Pin = { server, tool: tool.name, digest: definitionDigest(tool as never), definition: pinnedDefinition(tool as never), time: this.clock() };
    let standing = pinned;
    if (!standing) {
      const { pin: stood, first } = await this.parts.store.pinFirst(pin);
      if (first) await this.parts.record({ kind: 'pin', time: pin.time, server, tool: tool.name, event: 'pinned', digest: pin.digest });
      standing = stood;
    }
    if (standing.digest === pin.digest) return { digest: pin.digest };
    const changes = definitionChanges(standing.definition, pin.definition, { server, siblings });
    const lines = changes.map(describeChange);
    const change = { kind: 'pin' as const, time: pin.time, server, tool: tool.name, digest: pin.digest, previous: standing.digest, changes: lines };
    if (mode === 'review' && onlyWording(changes)) {
      await this.parts.store.approve(pin);
      await this.parts.record({ ...change, event: 'accepted', by: 'review' });
      return { digest: pin.digest };
    }
    if (await this.parts.store.hold(pin)) {
      await this.parts.record({ ...change, event: 'held' });
      if (mode === 'warn') this.parts.warn(server, `tool "${tool.name}" changed since it was reviewed (${lines.join('; ')}); let through (pinning: warn)`);
    }
    return { digest: standing.digest, held: pin.digest };
  }

  /** Held tools are looked up again every so often: an approval made elsewhere lets them through without a re-list. */
  private pollWhileHeld(): void {
    const anyHeld = [...this.reviewed.values()].some((tools) => [...tools.values()].some((state) => state.held !== undefined));
    if (!anyHeld) return this.close();
    this.poller ??= setInterval(() => void this.recheckHeld(), APPROVAL_POLL_MS).unref();
  }

  /** Looks up the held tools again now (an approval made here lets them through at once, not at the next poll). */
  async recheckHeld(): Promise<void> {
    for (const [server, tools] of this.reviewed) {
      const held = [...tools].filter(([, state]) => state.held !== undefined);
      if (held.length === 0) continue;
      const pins = await this.parts.store.pinned(server).catch(() => undefined);
      for (const [tool, state] of held) if (pins?.get(tool)?.digest === state.held) tools.set(tool, { digest: state.held });
    }
    this.pollWhileHeld();
  }
}
