import { classify, type Classification } from './classify.js';
import { siblingsOf } from './findings.js';
import type { PinState } from './pinning.js';
import { recommend, recommendedChange, type RecommendedChange } from './recommend.js';
import type { ToolDefinition } from './tool-definition.js';
import type { CompiledPolicy } from '../policy/compile.js';
import { toolEffect, type ToolEffect } from '../policy/effect.js';

/** One row of the catalogue: a tool of a server, its classification and the rule recommended for it. */
export interface CatalogEntry extends Omit<Classification, 'class'> {
  server: string;
  tool: string;
  class: Classification['class'];
  /** The definition's description, for a reader and for the console's search. */
  description?: string;
  recommended: string;
  /** The recommendation as the rule the admin API's `PUT …/tools/<tool>` takes: what the console's form starts from. */
  recommendedRule: RecommendedChange;
}

/**
 * Classifies every listed tool; a description naming another server's tool is a cross-tool finding, one naming its
 * own server's tools (by name or title) is not.
 */
export function catalogue(listed: ReadonlyMap<string, readonly ToolDefinition[]>, known?: CatalogueCache): CatalogEntry[] {
  const entries: CatalogEntry[] = [];
  for (const [server, tools] of listed) {
    const elsewhere = new Set([...listed].flatMap(([other, list]) => (other === server ? [] : list.map((t) => t.name))));
    const siblings = siblingsOf(tools);
    const entry = (tool: ToolDefinition): CatalogEntry => {
      const classification = classify(tool, { server, otherTools: elsewhere, siblings });
      const recommendation = recommend(tool.name, classification);
      return { server, tool: tool.name, ...(tool.description !== undefined && { description: tool.description }), ...classification, recommended: recommendation.text, recommendedRule: recommendedChange(recommendation) };
    };
    entries.push(...(known ? known.entries(server, tools, JSON.stringify([[...elsewhere], [...siblings]]), entry) : tools.map(entry)));
  }
  return entries;
}

/**
 * The entries of each server's tools as last catalogued, kept while the definitions and the names around them (other
 * servers' tools, the server's own) are the same: classifying is a pure function of those, and the console asks for
 * the catalogue again and again. A server of 10,000 tools took about 650 ms an answer without it, most of it classify
 * (bench/catalog-api.ts). Holds only the tools of each server's last list.
 */
export class CatalogueCache {
  private readonly servers = new Map<string, { context: string; byDefinition: Map<string, CatalogEntry> }>();

  entries(server: string, tools: readonly ToolDefinition[], context: string, entry: (tool: ToolDefinition) => CatalogEntry): CatalogEntry[] {
    const last = this.servers.get(server);
    const known = last?.context === context ? last.byDefinition : undefined;
    const byDefinition = new Map<string, CatalogEntry>();
    const entries = tools.map((tool) => {
      const key = JSON.stringify(tool);
      const found = known?.get(key) ?? entry(tool);
      byDefinition.set(key, found);
      return found;
    });
    this.servers.set(server, { context, byDefinition });
    return entries;
  }
}

/**
 * A tool in a running gateway's catalogue: its entry, what its server's policy does to it whatever the arguments, and
 * where its pinned definition stands (a `held` one is hidden and refused under `pinning: block` or `review`).
 */
export type GatewayCatalogTool = Omit<CatalogEntry, 'server'> & { effect: ToolEffect; pin: PinState };

/** One server of a running gateway's catalogue; a server whose tools could not be listed is `up: false`, with why. */
export interface ServerCatalogue {
  server: string;
  up: boolean;
  error?: string;
  /** The version (content hash) of the policy the effects come from; absent when the server has none. */
  policy?: string;
  tools: GatewayCatalogTool[];
}

/**
 * The catalogue of the named servers, in that order: each listed server's tools classified (against the other listed
 * servers' names) with the effect of the server's policy, and each server that failed with its error.
 */
export function serverCatalogues(
  names: readonly string[],
  listing: { listed: ReadonlyMap<string, readonly ToolDefinition[]>; failed: ReadonlyMap<string, string> },
  policyOf: (server: string) => CompiledPolicy | undefined,
  pinOf: (server: string, tool: string) => PinState,
  known?: CatalogueCache,
): ServerCatalogue[] {
  const entries = catalogue(listing.listed, known);
  return names.map((server) => {
    const policy = policyOf(server);
    const version = policy && { policy: policy.version };
    const error = listing.failed.get(server);
    if (error !== undefined) return { server, up: false, error, ...version, tools: [] };
    const tools = entries.filter((e) => e.server === server).map(({ server: _, ...entry }) => ({ ...entry, effect: toolEffect(policy, entry.tool), pin: pinOf(server, entry.tool) }));
    return { server, up: true, ...version, tools };
  });
}
