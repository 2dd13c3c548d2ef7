import { describeConsoleSessionStore, TTL_MS } from '../../test/contracts/console-session-store.js';
import { MemoryConsoleSessions } from './memory-console-sessions.js';

describeConsoleSessionStore('the memory console session store', async () => {
  const store = new MemoryConsoleSessions(TTL_MS);
  const held = (store as unknown as { sessions: Map<string, unknown> }).sessions;
  return { store, rawText: async () => [...held].map(([key, session]) => `${key} ${JSON.stringify(session)}`).join('\n') };
});
