import type { UpstreamConnection } from '../upstream/connection.js';

export type ListKind = 'tools' | 'prompts' | 'resources' | 'resourceTemplates';

export const LIST_METHODS: Record<ListKind, string> = {
  tools: 'tools/list',
  prompts: 'prompts/list',
  resources: 'resources/list',
  resourceTemplates: 'resources/templates/list',
};

export const CHANGED_NOTIFICATIONS: Record<string, ListKind[]> = {
  'notifications/tools/list_changed': ['tools'],
  'notifications/prompts/list_changed': ['prompts'],
  'notifications/resources/list_changed': ['resources', 'resourceTemplates'],
};

/** Capability that must be declared for a list to exist at all. */
const CAPABILITY: Record<ListKind, string> = { tools: 'tools', prompts: 'prompts', resources: 'resources', resourceTemplates: 'resources' };

export type Item = Record<string, unknown>;

interface Entry {
  items: Promise<Item[]>;
  /** When the entry must be fetched again; Infinity while the server promises list_changed. */
  expires: number;
}

/**
 * Every server's complete tool, prompt and resource lists, fetched across all pages and kept until the server
 * says they changed (or, for servers that never say, until their freshness hint runs out). Lists served to
 * agents, name resolution on the aggregated endpoint and header checks all read from here.
 */
export class Inventory {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly clock: () => number = Date.now) {}

  list(upstream: UpstreamConnection, kind: ListKind): Promise<Item[]> {
    const key = `${upstream.name}\0${kind}`;
    const entry = this.entries.get(key);
    if (entry && entry.expires > this.clock()) return entry.items;
    const capability = upstream.info?.capabilities[CAPABILITY[kind]] as { listChanged?: boolean } | undefined;
    const fresh: Entry = { items: this.fetchAll(upstream, kind, (ttl) => (fresh.expires = ttl)), expires: Infinity };
    if (!capability?.listChanged) fresh.expires = this.clock(); // revalidated on the next read unless a ttl says more
    this.entries.set(key, fresh);
    // A failed fetch is not cached: the next read tries again.
    fresh.items.catch(() => this.entries.get(key) === fresh && this.entries.delete(key));
    return fresh.items;
  }

  /** The last fetched list, without waiting; used on the call path where a stale answer beats a round trip. */
  async cached(upstream: UpstreamConnection, kind: ListKind): Promise<Item[]> {
    const entry = this.entries.get(`${upstream.name}\0${kind}`);
    return entry ? entry.items : this.list(upstream, kind);
  }

  invalidate(server: string, kinds: readonly ListKind[] = Object.keys(LIST_METHODS) as ListKind[]): void {
    for (const kind of kinds) this.entries.delete(`${server}\0${kind}`);
  }

  private async fetchAll(upstream: UpstreamConnection, kind: ListKind, setExpiry: (at: number) => void): Promise<Item[]> {
    await upstream.whenReady();
    const capability = upstream.info?.capabilities[CAPABILITY[kind]];
    if (!capability) return [];
    const items: Item[] = [];
    let cursor: string | undefined;
    const seen = new Set<string>();
    do {
      const response = await upstream.request(LIST_METHODS[kind], cursor === undefined ? undefined : { cursor });
      if ('error' in response) {
        // A server that declares resources but no templates answers "method not found": an empty list.
        if (response.error.code === -32601) return items;
        throw new Error(`${LIST_METHODS[kind]} on "${upstream.name}" failed: ${response.error.message}`);
      }
      const result = response.result as Record<string, unknown>;
      const page = result[kind];
      if (Array.isArray(page)) items.push(...(page as Item[]));
      if (typeof result.ttlMs === 'number' && result.ttlMs > 0) setExpiry(this.clock() + result.ttlMs);
      cursor = typeof result.nextCursor === 'string' ? result.nextCursor : undefined;
      // A server that hands back a cursor it already gave would loop forever.
      if (cursor !== undefined && seen.has(cursor)) break;
      if (cursor !== undefined) seen.add(cursor);
    } while (cursor !== undefined);
    return items;
  }
}
