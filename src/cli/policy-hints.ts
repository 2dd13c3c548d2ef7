import type { ServerConfig } from '../config/schema.js';

/**
 * A line for each server without a policy, by server name: such a server lists nothing and denies every call, which
 * looks like a broken gateway to someone who has not met policies yet, so the line names the command that writes a
 * first one, ready to paste.
 */
export function missingPolicyHints(servers: Readonly<Record<string, ServerConfig>>, configFile: string): [string, string][] {
  return Object.entries(servers)
    .filter(([, server]) => server.policy === undefined)
    .map(([name]) => [name, `${name} has no policy: it lists no tools and denies every call; toolgate init --config ${shellWord(configFile)} --server ${name} writes a starting one`]);
}

function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`;
}
