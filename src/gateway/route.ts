import type { UpstreamConnection } from '../upstream/connection.js';
import type { Inventory, Item, ListKind } from './inventory.js';

/** Separates the server name from the tool or prompt name when aggregated names collide. */
export const PREFIX_SEPARATOR = '__';

/** Items per page of a list the gateway serves (it re-paginates what it fetched whole). */
export const PAGE_SIZE = 500;

export interface Target {
  upstream: UpstreamConnection;
  /** The name as the upstream knows it. */
  name: string;
  /** Whether the server lists it; false when that cannot be told (its list cannot be fetched). */
  known: boolean;
}

/** The servers a caller may reach: names on the aggregate are worked out among these only. */
export type Reachable = (server: string) => boolean;

const everyServer: Reachable = () => true;

/**
 * What one downstream endpoint exposes: a single server under its own names (`/mcp/<server>`), or every
 * server at once (`/mcp`). On the aggregate, a tool or prompt name that more than one of the caller's servers
 * offers is shown as `<server>__<name>` for each of them; a unique name is shown as it is. Servers the caller may
 * not reach play no part in the naming, so they neither rename its tools nor reveal a collision. A prefixed name is
 * accepted for any tool, so a client that saw a collision keeps working after it is resolved.
 */
export class Route {
  constructor(
    /** The server name, or undefined for the aggregate. */
    readonly server: string | undefined,
    readonly upstreams: readonly UpstreamConnection[],
    private readonly inventory: Inventory,
  ) {}

  get aggregated(): boolean {
    return this.server === undefined;
  }

  includes(server: string): boolean {
    return this.upstreams.some((u) => u.name === server);
  }

  /** One page of a list, names as this route shows them. The cursor is the gateway's own. */
  async list(
    kind: ListKind,
    cursor: string | undefined,
    keep: (server: string, item: Item) => boolean = () => true,
    reachable: Reachable = everyServer,
  ): Promise<{ items: Item[]; nextCursor?: string }> {
    const offset = cursor === undefined ? 0 : decodeCursor(cursor);
    // Only a first page revalidates the inventory: the pages after it continue the same listing.
    const all = (await this.exposed(kind, cursor !== undefined, reachable)).filter(({ upstream, source }) => keep(upstream.name, source));
    const items = all.slice(offset, offset + PAGE_SIZE).map(({ item }) => item);
    const next = offset + PAGE_SIZE;
    return next < all.length ? { items, nextCursor: encodeCursor(next) } : { items };
  }

  /**
   * Finds the server and upstream name behind a tool or prompt name a client used: as the caller's listing names
   * it, else by prefix, else as any server names it (a server the caller may not reach is then refused by
   * admission). Undefined when no server here lists the name. A single server whose list cannot be fetched is
   * given the name to answer for itself (it is failing anyway), marked unknown.
   */
  async resolve(kind: 'tools' | 'prompts', name: string, reachable: Reachable = everyServer): Promise<Target | undefined> {
    if (!this.aggregated) {
      const upstream = this.upstreams[0]!;
      const listed = await this.inventory.find(upstream, kind, name).then(
        (item) => item !== undefined,
        () => undefined,
      );
      if (listed === false) return undefined;
      return { upstream, name, known: listed === true };
    }
    const named = async (among: Reachable) => (await this.exposed(kind, true, among)).find(({ item }) => item.name === name);
    const listed = await named(reachable);
    if (listed) return { upstream: listed.upstream, name: listed.original, known: true };
    const separator = name.indexOf(PREFIX_SEPARATOR);
    if (separator > 0) {
      const upstream = this.upstreams.find((u) => u.name === name.slice(0, separator));
      const rest = name.slice(separator + PREFIX_SEPARATOR.length);
      if (upstream && (await this.inventory.find(upstream, kind, rest).catch(() => undefined))) return { upstream, name: rest, known: true };
    }
    const elsewhere = reachable === everyServer ? undefined : await named(everyServer);
    return elsewhere && { upstream: elsewhere.upstream, name: elsewhere.original, known: true };
  }

  /** Finds the server that serves a resource URI: listed resources first, then templates that match. */
  async resolveUri(uri: string): Promise<UpstreamConnection | undefined> {
    if (!this.aggregated) return this.upstreams[0];
    for (const upstream of this.upstreams) {
      if ((await this.inventory.cached(upstream, 'resources')).some((r) => r.uri === uri)) return upstream;
    }
    // Loaded on first use: only the aggregate needs it, and the SDK's runtime costs about 25 MB resident.
    const { UriTemplate } = await import('@modelcontextprotocol/server');
    for (const upstream of this.upstreams) {
      const templates = await this.inventory.cached(upstream, 'resourceTemplates');
      if (templates.some((t) => typeof t.uriTemplate === 'string' && new UriTemplate(t.uriTemplate).match(uri))) return upstream;
    }
    return undefined;
  }

  private async exposed(kind: ListKind, cached: boolean, reachable: Reachable): Promise<{ item: Item; source: Item; upstream: UpstreamConnection; original: string }[]> {
    const lists = await Promise.all(
      this.upstreams.filter((upstream) => reachable(upstream.name)).map(async (upstream) => ({
        upstream,
        items: await (cached ? this.inventory.cached(upstream, kind) : this.inventory.list(upstream, kind)).catch(() => []),
      })),
    );
    const named = kind === 'tools' || kind === 'prompts';
    const owners = new Map<string, number>();
    if (this.aggregated && named) {
      for (const { items } of lists) for (const item of items) owners.set(String(item.name), (owners.get(String(item.name)) ?? 0) + 1);
    }
    return lists.flatMap(({ upstream, items }) =>
      items.map((item) => {
        const original = String(item.name);
        const collides = (owners.get(original) ?? 0) > 1;
        return { item: collides ? { ...item, name: `${upstream.name}${PREFIX_SEPARATOR}${original}` } : item, source: item, upstream, original };
      }),
    );
  }
}

function encodeCursor(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString('base64url');
}

export class InvalidCursor extends Error {}

function decodeCursor(cursor: string): number {
  try {
    const { offset } = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { offset: unknown };
    if (typeof offset === 'number' && Number.isInteger(offset) && offset >= 0) return offset;
  } catch {
    // falls through to the error below
  }
  throw new InvalidCursor(`invalid cursor ${JSON.stringify(cursor)}`);
}
