import { classify, type Classification } from './classify.js';
import { recommend } from './recommend.js';
import type { ToolDefinition } from './tool-definition.js';

/** One row of the catalogue: a tool of a server, its classification and the rule recommended for it. */
export interface CatalogEntry extends Omit<Classification, 'class'> {
  server: string;
  tool: string;
  class: Classification['class'];
  recommended: string;
}

/** Classifies every listed tool; a description naming another server's tool is a cross-tool finding. */
export function catalogue(listed: ReadonlyMap<string, readonly ToolDefinition[]>): CatalogEntry[] {
  const entries: CatalogEntry[] = [];
  for (const [server, tools] of listed) {
    const elsewhere = new Set([...listed].flatMap(([other, list]) => (other === server ? [] : list.map((t) => t.name))));
    for (const tool of tools) {
      const classification = classify(tool, { server, otherTools: elsewhere });
      entries.push({ server, tool: tool.name, ...classification, recommended: recommend(tool.name, classification).text });
    }
  }
  return entries;
}
