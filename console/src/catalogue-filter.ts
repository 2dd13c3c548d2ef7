import type { CatalogueRow, EffectKind, RiskClass, ServerCatalogue, Severity } from './catalogue.js';

/** What the Catalogue page narrows to; an absent field matches every tool. */
export interface CatalogueFilter {
  server?: string;
  class?: RiskClass;
  severity?: Severity;
  effect?: EffectKind;
  /** Only tools whose changed definition is held for review. */
  held?: boolean;
  /** Words that the tool's name or description contains, whatever their case. */
  text?: string;
}

/** A row and its name and description in lower case, worked out once per read of the catalogue rather than per keystroke. */
export interface IndexedRow {
  readonly row: CatalogueRow;
  readonly searchable: string;
}

export function indexRows(catalogues: readonly ServerCatalogue[]): IndexedRow[] {
  return catalogues.flatMap(({ server, policy, tools }) =>
    tools.map((tool) => ({ row: { ...tool, server, ...(policy !== undefined && { policy }) }, searchable: `${tool.tool}\n${tool.description ?? ''}`.toLowerCase() })),
  );
}

/**
 * Every row the filter lets through, in the catalogue's order: one pass of field comparisons and substring tests, so
 * 10,000 tools are filtered in a few milliseconds (the page's browser test measures it with the rendering).
 */
export function filterRows(rows: readonly IndexedRow[], filter: CatalogueFilter): CatalogueRow[] {
  const words = (filter.text ?? '').toLowerCase().split(/\s+/).filter(Boolean);
  const matches: CatalogueRow[] = [];
  for (const { row, searchable } of rows) {
    if (filter.server !== undefined && row.server !== filter.server) continue;
    if (filter.class !== undefined && row.class !== filter.class) continue;
    if (filter.severity !== undefined && row.severity !== filter.severity) continue;
    if (filter.effect !== undefined && row.effect.effect !== filter.effect) continue;
    if (filter.held && row.pin !== 'held') continue;
    if (words.every((word) => searchable.includes(word))) matches.push(row);
  }
  return matches;
}
