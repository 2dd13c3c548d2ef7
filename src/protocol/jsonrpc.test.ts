import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classify } from './jsonrpc.js';

test('classify tells requests, notifications and responses apart, and explains what is not a message', () => {
  assert.equal((classify({ jsonrpc: '2.0', id: 1, method: 'ping' }) as { kind: string }).kind, 'request');
  assert.equal((classify({ jsonrpc: '2.0', method: 'notifications/initialized' }) as { kind: string }).kind, 'notification');
  assert.equal((classify({ jsonrpc: '2.0', id: 'a', result: {} }) as { kind: string }).kind, 'response');
  assert.equal((classify({ jsonrpc: '2.0', id: 'a', error: { code: 1, message: 'x' } }) as { kind: string }).kind, 'response');
  assert.deepEqual(classify([]), { invalid: 'a JSON-RPC message must be an object' });
  assert.deepEqual(classify({ jsonrpc: '2.0', id: 1, method: 7 }), { invalid: 'method must be a string' });
  assert.deepEqual(classify({ jsonrpc: '2.0', id: null, method: 'ping' }), { invalid: 'a request id must not be null' });
  assert.deepEqual(classify({ jsonrpc: '2.0', id: {}, method: 'ping' }), { invalid: 'id must be a string or a number' });
  assert.deepEqual(classify({ jsonrpc: '2.0', id: 1, method: 'ping', params: [1] }), { invalid: 'params must be an object' });
  assert.deepEqual(classify({ jsonrpc: '2.0', id: 1 }), { invalid: 'not a request, notification or response' });
});
