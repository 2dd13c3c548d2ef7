import type { UpstreamConnection } from '../upstream/connection.js';

export type ListKind = 'tools' | 'prompts' | 'resources' | 'resourceTemplates';

export const LIST_METHODS: Record<ListKind, string> = {
  tools: 'tools/list',
  prompts: 'prompts/list',
  resources: 'resources/list',
  resourceTemplates: 'resources/templates/list',
};

/** Keyed by what a server sends: a Map, so a method named like an Object.prototype member finds nothing. */
export const CHANGED_NOTIFICATIONS: ReadonlyMap<string, readonly ListKind[]> = new Map([
  ['notifications/tools/list_changed', ['tools']],
  ['notifications/prompts/list_changed', ['prompts']],
  ['notifications/resources/list_changed', ['resources', 'resourceTemplates']],
]);

/** Capability that must be declared for a list to exist at all. */
const CAPABILITY: Record<ListKind, string> = { tools: 'tools', prompts: 'prompts', resources: 'resources', resourceTemplates: 'resources' };

export type Item = Record<string, unknown>;

interface Entry {
  items: Promise<Item[]>;
  /** When the entry must be fetched again; Infinity while the server promises list_changed. */
  expires: number;
  fetchedAt: number;
  /** The items by name, made on first lookup. */
  byName?: Promise<ReadonlyMap<string, Item>>;
}

/** A name a list lacks is fetched again at most this often, so unknown names cannot make a server list on every call. */
const MISS_REFETCH_MS = 1_000;

/**
 * Every server's complete tool, prompt and resource lists, fetched across all pages and kept until the server
 * says they changed (or, for servers that never say, until their freshness hint runs out). Lists served to
 * agents, name resolution on the aggregated endpoint and header checks all read from here.
 */
export class Inventory {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly clock: () => number = Date.now,
    /** Looks at every tools list fetched before it is served (pinning): nothing is served from a list it has not seen. */
    private readonly reviewTools: (server: string, tools: Item[]) => Promise<void> | void = () => {},
  ) {}

  list(upstream: UpstreamConnection, kind: ListKind): Promise<Item[]> {
    const key = `${upstream.name}\0${kind}`;
    const entry = this.entries.get(key);
    if (entry && entry.expires > this.clock()) return entry.items;
    const capability = upstream.info?.capabilities[CAPABILITY[kind]] as { listChanged?: boolean } | undefined;
    const fresh: Entry = { items: this.fetchAll(upstream, kind, (ttl) => (fresh.expires = ttl)), expires: Infinity, fetchedAt: this.clock() };
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

  /**
   * The tool or prompt a server lists under `name`, from the last fetched list. A name it lacks is looked for again
   * in a fresh list, at most once a second: a server may add a tool a moment before it says so (or never say).
   */
  async find(upstream: UpstreamConnection, kind: 'tools' | 'prompts', name: string): Promise<Item | undefined> {
    const key = `${upstream.name}\0${kind}`;
    const entry = this.entries.get(key) ?? (await this.list(upstream, kind), this.entries.get(key));
    if (!entry) return undefined;
    const found = (await this.index(entry)).get(name);
    if (found || this.clock() - entry.fetchedAt < MISS_REFETCH_MS) return found;
    this.invalidate(upstream.name, [kind]);
    await this.list(upstream, kind);
    const refetched = this.entries.get(key);
    return refetched && (await this.index(refetched)).get(name);
  }

  private index(entry: Entry): Promise<ReadonlyMap<string, Item>> {
    return (entry.byName ??= entry.items.then((items) => new Map(items.map((item) => [String(item.name), item]))));
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
    if (kind === 'tools') await this.reviewTools(upstream.name, items);
    return items;
  }
}
