import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isLoopback } from './loopback.js';

test('loopback is 127.0.0.0/8, ::1 with or without brackets, and localhost; nothing else', () => {
  for (const host of ['127.0.0.1', '127.0.0.2', 'localhost', '::1', '[::1]']) assert.equal(isLoopback(host), true, host);
  for (const host of ['0.0.0.0', '::', '10.0.0.1', '127.0.0.1.evil.example', 'localhost.evil.example', '128.0.0.1', '']) assert.equal(isLoopback(host), false, host);
});
