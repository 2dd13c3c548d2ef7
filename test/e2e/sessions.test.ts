import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RecordingTransport } from '../support/recording-transport.js';
import { startGateway, until, type RunningGateway } from './harness.js';

/** Sessions are bounded, and every stream a grant opened ends when the grant is revoked. */

const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function initialize(gateway: RunningGateway, token: string): Promise<Response> {
  return fetch(gateway.url('rec'), {
    method: 'POST',
    headers: { ...HEADERS, ...bearer(token) },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } } }),
  });
}

describe('session bounds', () => {
  let gateway: RunningGateway;
  before(async () => {
    gateway = await startGateway(
      { rec: { command: 'in-process', protocol: 'legacy' } },
      { auth: 'grants', sessions: { max: 3, max_per_grant: 2 } },
      { transport: () => new RecordingTransport() },
    );
  });
  after(() => gateway.close());

  test("a grant past its share loses its idlest session; with every session streaming it gets a 429; the gateway past its whole, a 503", async () => {
    const grant = async (label: string) => (await gateway.gateway.grants!.create({ label, servers: ['*'] }, Date.now())).token;
    const a = await grant('a');
    const b = await grant('b');
    const id = (response: Response) => response.headers.get('mcp-session-id')!;
    const first = id(await initialize(gateway, a));
    const second = id(await initialize(gateway, a));
    // Quiet for a minute: a session used in the last ten seconds is not ended to make room.
    gateway.gateway.sessions.get(first)!.lastSeen = Date.now() - 60_000;
    const third = await initialize(gateway, a);
    assert.equal(third.status, 200, 'the idle first session makes room');
    const ping = (session: string) =>
      fetch(gateway.url('rec'), { method: 'POST', headers: { ...HEADERS, ...bearer(a), 'mcp-session-id': session }, body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' }) });
    assert.equal((await ping(first)).status, 404, 'the first session is gone: its client initializes again');
    assert.equal((await ping(second)).status, 200);
    // With a stream open on each of its sessions, none is idle: the grant is refused.
    const streams = await Promise.all(
      [second, id(third)].map((session) => fetch(gateway.url('rec'), { headers: { ...bearer(a), accept: 'text/event-stream', 'mcp-session-id': session } })),
    );
    assert.deepEqual(streams.map((r) => r.status), [200, 200]);
    const refused = await initialize(gateway, a);
    assert.equal(refused.status, 429);
    assert.match(((await refused.json()) as { error: { message: string } }).error.message, /grant "a" already holds 2 open streams \(sessions\.max_per_grant\)/);
    assert.equal((await initialize(gateway, b)).status, 200);
    const full = await initialize(gateway, b);
    assert.equal(full.status, 503);
    assert.ok(full.headers.get('retry-after'));
    assert.match(((await full.json()) as { error: { message: string } }).error.message, /maximum of 3 open sessions \(sessions\.max\)/);
    for (const stream of streams) await stream.body?.cancel();
  });
});

describe('streams of a revoked grant', () => {
  test("a 2026-07-28 subscriptions/listen stream ends when its grant is revoked; another grant's stays open", async () => {
    const gateway = await startGateway({ rec: { command: 'in-process', protocol: 'legacy' } }, { auth: 'grants' }, { transport: () => new RecordingTransport(), sessions: { recheckMs: 100 } });
    try {
      const listen = async (token: string) => {
        const response = await fetch(gateway.url('rec'), {
          method: 'POST',
          headers: { ...HEADERS, ...bearer(token), 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'subscriptions/listen' },
          body: JSON.stringify({
            jsonrpc: '2.0',
            id: 'listen',
            method: 'subscriptions/listen',
            params: {
              notifications: { toolsListChanged: true },
              _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} },
            },
          }),
        });
        assert.equal(response.status, 200);
        const reader = response.body!.getReader();
        const first = new TextDecoder().decode((await reader.read()).value);
        assert.match(first, /notifications\/subscriptions\/acknowledged/);
        return reader;
      };
      const grants = gateway.gateway.grants!;
      const doomed = await grants.create({ label: 'doomed', servers: ['*'] }, Date.now());
      const kept = await grants.create({ label: 'kept', servers: ['*'] }, Date.now());
      const revokedStream = await listen(doomed.token);
      const keptStream = await listen(kept.token);
      assert.equal(gateway.gateway.sessions.size, 2, 'listen streams are sessions');
      await grants.revoke('doomed', Date.now());
      // The stream answers its request and ends.
      let text = '';
      for (let chunk = await revokedStream.read(); !chunk.done; chunk = await revokedStream.read()) text += new TextDecoder().decode(chunk.value);
      assert.match(text, /"id":"listen"/);
      await until(() => gateway.gateway.sessions.size === 1, 2_000, 'the revoked stream to leave the registry');
      const still = await Promise.race([keptStream.read().then(() => 'data'), new Promise((resolve) => setTimeout(() => resolve('open'), 300))]);
      assert.equal(still, 'open', "the other grant's stream stays open");
      await keptStream.cancel();
    } finally {
      await gateway.close();
    }
  });
});
