import type { IncomingMessage } from 'node:http';
import type { DefinitionReview } from '../catalog/definition-review.js';
import { HttpError } from '../http/http-error.js';
import type { AdminIdentity } from './admin-identity.js';
import type { Handlers, Reply } from './admin-api.js';
import { catalogQuery, validateQuery } from './admin-json.js';
import { decodeSegment } from './json-http.js';

const APPROVE_PATH = /^\/admin\/catalog\/changes\/([^/]+)\/([^/]+)\/approve$/;
const PINNING_OFF = 'definition pinning is off for every server in this configuration';

/**
 * `/admin/catalog/changes`: the changed tool definitions held for review, as `toolgate catalog diff --json` prints
 * them, and approving one, as `toolgate catalog approve` does (the same code, catalog/definition-review.ts), recorded
 * in the audit log as approved by the admin who asked. Undefined for any other path.
 */
export function catalogChangeRoutes(req: IncomingMessage, path: string, admin: AdminIdentity, servers: readonly string[], review: DefinitionReview | undefined): Handlers | undefined {
  if (path === '/admin/catalog/changes') return { GET: () => heldChanges(req, servers, review) };
  const match = APPROVE_PATH.exec(path);
  if (!match) return undefined;
  const server = knownServer(decodeSegment(match[1]!, 'server'), servers);
  const tool = decodeSegment(match[2]!, 'tool');
  return { POST: () => approve(reviewing(review), server, tool, admin.label) };
}

async function heldChanges(req: IncomingMessage, servers: readonly string[], review: DefinitionReview | undefined): Promise<Reply> {
  const { server } = validateQuery(catalogQuery, req);
  if (server !== undefined) knownServer(server, servers);
  return { status: 200, body: { changes: await reviewing(review).held(server) } };
}

async function approve(review: DefinitionReview, server: string, tool: string, by: string): Promise<Reply> {
  const approved = await review.approve(server, tool, by);
  if (approved.length === 0) throw new HttpError(404, `nothing is held for review on ${server} for ${tool} (GET /admin/catalog/changes shows what is)`);
  return { status: 200, body: { approved: approved.map((pin) => ({ server: pin.server, tool: pin.tool, digest: pin.digest })) } };
}

function reviewing(review: DefinitionReview | undefined): DefinitionReview {
  if (!review) throw new HttpError(404, PINNING_OFF);
  return review;
}

/** `server` if the configuration has it, else a 404 that lists those it has. */
export function knownServer(server: string, servers: readonly string[]): string {
  if (!servers.includes(server)) throw new HttpError(404, `no server "${server}" (servers: ${servers.join(', ')})`);
  return server;
}
