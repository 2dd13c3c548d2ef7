import assert from 'node:assert/strict';
import { test } from 'node:test';
import { configSchema } from '../config/schema.js';
import { missingPolicyHints } from './policy-hints.js';

const servers = configSchema.parse({
  servers: { bare: { command: 'node' }, governed: { command: 'node', policy: { version: '1', default: 'allow' } }, remote: { url: 'http://127.0.0.1:9/mcp' } },
}).servers;

test('a hint for each server without a policy, none for one that has one', () => {
  assert.deepEqual(missingPolicyHints(servers, './toolgate.yaml'), [
    ['bare', 'bare has no policy: it lists no tools and denies every call; toolgate init --config ./toolgate.yaml --server bare writes a starting one'],
    ['remote', 'remote has no policy: it lists no tools and denies every call; toolgate init --config ./toolgate.yaml --server remote writes a starting one'],
  ]);
});

test('a configuration path the shell would split or expand is quoted, so the command pastes as printed', () => {
  const [[, hint]] = missingPolicyHints({ bare: servers.bare! }, "/tmp/it's here/toolgate.yaml") as [[string, string]];
  assert.equal(hint, "bare has no policy: it lists no tools and denies every call; toolgate init --config '/tmp/it'\\''s here/toolgate.yaml' --server bare writes a starting one");
});
