import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import { configSchema } from '../config/schema.js';
import { LOCAL_CALLER } from '../grants/authenticator.js';
import type { JSONRPCMessage } from '../protocol/jsonrpc.js';
import { createGateway } from './wiring.js';
import { Session } from './session.js';

/** How server traffic that belongs to no call is shared out among the clients of a shared upstream connection (these servers are never started: their one line is a 2026-07-28 one by default). */

function setup() {
  const config = configSchema.parse({ servers: { a: { command: 'unused' }, b: { command: 'unused' } } });
  const gateway = createGateway(config, pino({ level: 'silent' }));
  const client = (server: string | undefined, logLevel?: string) => {
    const received: JSONRPCMessage[] = [];
    const session = new Session(gateway.route(server)!, LOCAL_CALLER, 'legacy', '2025-11-25', {}, undefined);
    session.standalone = { send: (message) => received.push(message) > 0 };
    session.logLevel = logLevel;
    gateway.sessions.add(session);
    return { session, received };
  };
  return { gateway, client };
}

describe('server notifications that belong to no call', () => {
  test('log messages reach each client at the level it set', () => {
    const { gateway, client } = setup();
    const verbose = client('a', 'debug');
    const quiet = client('a', 'error');
    const unset = client('a');
    for (const level of ['debug', 'warning', 'error', 'emergency']) {
      gateway.onNotification('a', { jsonrpc: '2.0', method: 'notifications/message', params: { level, data: level } }, 'modern');
    }
    const levels = (received: JSONRPCMessage[]) => received.map((m) => String(('params' in m ? m.params : {})?.level));
    assert.deepEqual(levels(verbose.received), ['debug', 'warning', 'error', 'emergency']);
    assert.deepEqual(levels(quiet.received), ['error', 'emergency']);
    assert.deepEqual(levels(unset.received), ['debug', 'warning', 'error', 'emergency']);
  });

  test('resource updates reach only the clients subscribed to that resource on that server', () => {
    const { gateway, client } = setup();
    const subscriber = client('a');
    const other = client('a');
    const elsewhere = client('b');
    subscriber.session.subscriptions.add('a\0modern\0file:///x');
    elsewhere.session.subscriptions.add('b\0modern\0file:///x');
    gateway.onNotification('a', { jsonrpc: '2.0', method: 'notifications/resources/updated', params: { uri: 'file:///x' } }, 'modern');
    assert.equal(subscriber.received.length, 1);
    assert.equal(other.received.length, 0);
    assert.equal(elsewhere.received.length, 0);
  });

  test('list changes reach every client that can see the server, including the aggregate', () => {
    const { gateway, client } = setup();
    const onA = client('a');
    const onB = client('b');
    const onAll = client(undefined);
    gateway.onNotification('a', { jsonrpc: '2.0', method: 'notifications/tools/list_changed' }, 'modern');
    assert.equal(onA.received.length, 1);
    assert.equal(onB.received.length, 0);
    assert.equal(onAll.received.length, 1);
  });
});

describe('names a server or client chooses find nothing on Object.prototype', () => {
  for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'prototype']) {
    test(`a server notification named ${name} is shared out as an unknown one, and a server request named so needs no capability`, () => {
      const { gateway, client } = setup();
      const onA = client('a');
      assert.doesNotThrow(() => gateway.onNotification('a', { jsonrpc: '2.0', method: name }, 'modern'));
      assert.equal(onA.received.length, 1, 'an unknown notification is passed on, not taken for a list change');
      assert.equal(onA.session.lacks(name), undefined);
    });
  }
});
