/*
 * The methods a client may send a server, in every revision the gateway speaks (2024-10-07 to 2026-07-28), as the
 * SDK's schemas name them. The gateway forwards nothing else unless a policy names it exactly (`methods`): a name
 * that is not on these lists is no MCP method, however close it looks (`Tools/Call`, `tools/call `).
 */

/** Requests a client sends a server. */
export const CLIENT_REQUEST_METHODS: ReadonlySet<string> = new Set([
  'initialize',
  'ping',
  'server/discover',
  'subscriptions/listen',
  'tools/list',
  'tools/call',
  'prompts/list',
  'prompts/get',
  'resources/list',
  'resources/templates/list',
  'resources/read',
  'resources/subscribe',
  'resources/unsubscribe',
  'logging/setLevel',
  'completion/complete',
  'tasks/get',
  'tasks/result',
  'tasks/list',
  'tasks/cancel',
]);

/** Notifications a client sends a server. */
export const CLIENT_NOTIFICATIONS: ReadonlySet<string> = new Set([
  'notifications/initialized',
  'notifications/cancelled',
  'notifications/progress',
  'notifications/roots/list_changed',
  'notifications/tasks/status',
]);

/**
 * The client notifications that mean something to the servers behind the gateway, which answers the rest itself:
 * `initialized` and `cancelled` are the gateway's own session's and call's; progress and task status would be about
 * requests a server sent the gateway, which it never hands a client under the server's ids.
 */
export const FORWARDED_NOTIFICATIONS: ReadonlySet<string> = new Set(['notifications/roots/list_changed']);

export function isMcpMethod(method: string): boolean {
  return CLIENT_REQUEST_METHODS.has(method);
}
