import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { Client } from '@modelcontextprotocol/client';
import { startHttpFixture, type HttpFixture } from '../support/http-fixture.js';
import { httpClient, startGateway, until, type RunningGateway } from './harness.js';

/**
 * A legacy HTTP server that restarts forgets the gateway's session: the gateway opens a new one and subscribes
 * again to what its clients still hold, so their subscriptions go on working.
 */

const WATCHED = 'test://watched-resource';
let fixture: HttpFixture | undefined;
let gateway: RunningGateway | undefined;
let client: Client | undefined;

after(async () => {
  await client?.close();
  await gateway?.close();
  fixture?.close();
});

test("a client's subscription outlives its legacy server's restart", async () => {
  fixture = await startHttpFixture('legacy');
  const port = Number(new URL(fixture.url).port);
  gateway = await startGateway({ legacy: { url: fixture.url } });
  client = await httpClient(gateway.url('legacy'), 'legacy');
  const updates: string[] = [];
  client.setNotificationHandler('notifications/resources/updated', (n) => void updates.push(n.params.uri));
  await client.subscribeResource({ uri: WATCHED });
  await until(() => updates.length === 1, 10_000, 'the update after subscribing');

  fixture.close();
  await new Promise((resolve) => fixture!.child.once('exit', resolve));
  fixture = await startHttpFixture('legacy', undefined, 30_000, port);
  // The new server changes the watched resource only after a subscription to it: the gateway's renewed one.
  await until(() => updates.length === 2, 20_000, 'an update after the restart');
  assert.deepEqual(updates, [WATCHED, WATCHED]);
});
