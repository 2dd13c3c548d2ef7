import { createHash } from 'node:crypto';
import { canonical } from '../documents/canonical-json.js';
import type { ToolDefinition } from './tool-definition.js';

/** What a pin covers of a tool: everything that tells an agent what the tool is and how to call it. */
export const PINNED_FIELDS = ['name', 'title', 'description', 'inputSchema', 'outputSchema', 'annotations'] as const;

/** A tool's definition as pinned: the pinned fields only (`_meta`, `icons` and extensions are not reviewed). */
export type PinnedDefinition = Pick<ToolDefinition, (typeof PINNED_FIELDS)[number]>;

export function pinnedDefinition(tool: Readonly<Record<string, unknown>>): PinnedDefinition {
  const pinned: Record<string, unknown> = {};
  for (const field of PINNED_FIELDS) if (tool[field] !== undefined) pinned[field] = tool[field];
  return pinned as unknown as PinnedDefinition;
}

/**
 * The SHA-256 of the pinned fields' canonical JSON (keys sorted at every depth): the same definition always has the
 * same digest, however a server orders its keys, and a change to any pinned field changes it.
 */
export function definitionDigest(tool: Readonly<Record<string, unknown>>): string {
  return createHash('sha256').update(canonical(pinnedDefinition(tool))).digest('hex');
}
