import type { PinnedDefinition } from './pinned-definition.js';

/** A tool's definition as one server presented it, with its digest: reviewed (a pin) or waiting for review. */
export interface Pin {
  readonly server: string;
  readonly tool: string;
  readonly digest: string;
  readonly definition: PinnedDefinition;
  /** When it was pinned, or first seen while pending. */
  readonly time: number;
}

/**
 * Where reviewed tool definitions live (memory, SQLite, PostgreSQL), and the changed ones waiting for review: one
 * pending definition per tool, the latest a server presented. Shared by every replica on one database, so a tool is
 * pinned once and an approval holds everywhere.
 */
export interface PinStore {
  /** The reviewed definitions of one server's tools, by tool name. */
  pinned(server: string): Promise<Map<string, Pin>>;
  /**
   * Pins a tool seen for the first time, unless it is pinned already (another replica was first): the pin that
   * stands, and whether it is this one.
   */
  pinFirst(pin: Pin): Promise<{ pin: Pin; first: boolean }>;
  /** Holds a changed definition for review, in place of one held before. True when this definition was not held already. */
  hold(pin: Pin): Promise<boolean>;
  /** The definitions held for review, of one server or all, by server and tool name. */
  held(server?: string): Promise<Pin[]>;
  /** Makes `pin` the reviewed definition of its tool and lets go of what was held for it. */
  approve(pin: Pin): Promise<void>;
  /** Resolves once the store answers a trivial request (for `/readyz`); rejects with why it cannot. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** A pin as the SQL stores keep it. */
export interface PinRow {
  server: string;
  tool: string;
  digest: string;
  definition: string;
  time: number | string;
}

export const PIN_COLUMNS = 'server, tool, digest, definition, time';

export function pinFromRow(row: PinRow): Pin {
  return { server: row.server, tool: row.tool, digest: row.digest, definition: JSON.parse(row.definition) as PinnedDefinition, time: Number(row.time) };
}

export function pinValues(pin: Pin): [string, string, string, string, number] {
  return [pin.server, pin.tool, pin.digest, JSON.stringify(pin.definition), pin.time];
}

/** Held definitions in a fixed order, whatever the store: by server, then tool. */
export function byServerAndTool(a: Pin, b: Pin): number {
  return a.server < b.server ? -1 : a.server > b.server ? 1 : a.tool < b.tool ? -1 : a.tool > b.tool ? 1 : 0;
}
