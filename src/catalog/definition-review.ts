import type { PinEntry } from '../audit/audit-record.js';
import { definitionChanges, describeChange, type DefinitionChange } from './definition-changes.js';
import type { Pin, PinStore } from './pin-store.js';

/** A held definition beside the one pinned, with what the change introduces (`toolgate catalog diff --json`, `GET /admin/catalog/changes`). */
export interface HeldChange {
  server: string;
  tool: string;
  /** When the server first presented it. */
  seen: string;
  pinned: string;
  held: string;
  changes: DefinitionChange[];
  /** Each change in words, as `catalog diff` prints it. */
  summary: string[];
}

/** The definitions held for review, of one server or all, each beside the one pinned. */
export async function heldChanges(pins: PinStore, server?: string): Promise<HeldChange[]> {
  const held = await pins.held(server);
  const pinned = new Map<string, Map<string, Pin>>();
  const changes: HeldChange[] = [];
  for (const pin of held) {
    if (!pinned.has(pin.server)) pinned.set(pin.server, await pins.pinned(pin.server));
    const standing = pinned.get(pin.server)!.get(pin.tool);
    const found = standing ? definitionChanges(standing.definition, pin.definition, { server: pin.server }) : [];
    changes.push({ server: pin.server, tool: pin.tool, seen: new Date(pin.time).toISOString(), pinned: standing?.digest ?? '', held: pin.digest, changes: found, summary: found.map(describeChange) });
  }
  return changes;
}

/**
 * Approves the held definitions of a server (and of one tool, if named), each recorded as approved `by` whoever
 * approved it. Resolves to what was approved: nothing when nothing was held.
 */
export async function approveHeld(pins: PinStore, record: (entry: PinEntry) => unknown, by: string, server?: string, tool?: string): Promise<Pin[]> {
  const held = (await pins.held(server)).filter((pin) => tool === undefined || pin.tool === tool);
  for (const pin of held) {
    const standing = (await pins.pinned(pin.server)).get(pin.tool);
    await pins.approve(pin);
    await record({ kind: 'pin', time: Date.now(), server: pin.server, tool: pin.tool, event: 'approved', digest: pin.digest, ...(standing && { previous: standing.digest }), by });
  }
  return held;
}

/** The held definitions and their approval, as a running gateway offers them to the admin API. */
export interface DefinitionReview {
  held(server?: string): Promise<HeldChange[]>;
  /** Approves what is held for the tool, recorded in the gateway's audit log as approved `by`; nothing when nothing is. */
  approve(server: string, tool: string, by: string): Promise<Pin[]>;
}
