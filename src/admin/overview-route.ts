import type { IncomingMessage } from 'node:http';
import type { RecentActivity } from '../observability/recent-activity.js';
import type { Handlers } from './admin-api.js';
import { overviewQuery, validateQuery } from './admin-json.js';

/**
 * `GET /admin/overview[?minutes=60&top=10]`: this replica's tool calls per minute by decision, and its most called
 * and most denied tools, from the tally the gateway keeps as it decides (observability/recent-activity.ts).
 * Undefined for any other path.
 */
export function overviewRoute(req: IncomingMessage, path: string, activity: RecentActivity): Handlers | undefined {
  if (path !== '/admin/overview') return undefined;
  return {
    GET: async () => {
      const { minutes, top } = validateQuery(overviewQuery, req);
      return { status: 200, body: activity.overview(minutes, top) };
    },
  };
}
