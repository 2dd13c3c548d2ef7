import { serverCatalogues, type CatalogueCache, type ServerCatalogue } from '../catalog/catalogue.js';
import type { PinState } from '../catalog/pinning.js';
import type { ToolDefinition } from '../catalog/tool-definition.js';
import type { UpstreamConnection } from '../upstream/connection.js';
import type { Admission } from './admission.js';
import type { Inventory } from './inventory.js';

/** What the catalogue reads of a running gateway. */
export interface CatalogueSources {
  readonly upstreams: ReadonlyMap<string, UpstreamConnection>;
  readonly inventory: Inventory;
  readonly admission: Admission;
  pinState(server: string, tool: string): PinState;
}

/**
 * The catalogue of a running gateway's named servers, read from the lists it serves agents (the inventory, so a
 * server is not asked again while its list holds) and the policies configured for the servers. A server that is
 * down is given the usual wait for it to come back, then reported with its error; the others are listed all the same.
 */
export async function gatewayCatalogue(gateway: CatalogueSources, names: readonly string[], known?: CatalogueCache): Promise<ServerCatalogue[]> {
  const listed = new Map<string, ToolDefinition[]>();
  const failed = new Map<string, string>();
  await Promise.all(
    names.map(async (name) => {
      const upstream = gateway.upstreams.get(name)!;
      try {
        // A list kept from before the server went down would show it up.
        await upstream.whenReady();
        listed.set(name, (await gateway.inventory.list(upstream, 'tools')) as unknown as ToolDefinition[]);
      } catch (error) {
        failed.set(name, (error as Error).message);
      }
    }),
  );
  return serverCatalogues(
    names,
    { listed, failed },
    (server) => gateway.admission.policy(server)?.compiled,
    (server, tool) => gateway.pinState(server, tool),
    known,
  );
}
