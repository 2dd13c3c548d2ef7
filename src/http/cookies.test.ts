import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { test } from 'node:test';
import { isSameOrigin } from './browser-origin.js';
import { readCookie } from './cookies.js';

const request = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

test('a cookie is read by its exact name, among others and spaces; the first of two wins', () => {
  const req = request({ cookie: 'other=1; toolgate_console_x=2;  toolgate_console=abc ; toolgate_console=def' });
  assert.equal(readCookie(req, 'toolgate_console'), 'abc');
  assert.equal(readCookie(req, 'missing'), undefined);
  assert.equal(readCookie(request({}), 'toolgate_console'), undefined);
});

test('same origin is an Origin naming the Host the request was sent to; none, another or a malformed one is not', () => {
  assert.equal(isSameOrigin(request({ host: '127.0.0.1:7420', origin: 'http://127.0.0.1:7420' })), true);
  assert.equal(isSameOrigin(request({ host: '127.0.0.1:7420' })), false, 'no Origin');
  assert.equal(isSameOrigin(request({ host: '127.0.0.1:7420', origin: 'http://127.0.0.1:7421' })), false, 'another port');
  assert.equal(isSameOrigin(request({ host: '127.0.0.1:7420', origin: 'null' })), false, 'an opaque origin');
});
