import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as sdk from '@modelcontextprotocol/server';
import * as eras from './eras.js';

test('the protocol constants kept here are the SDK\'s', () => {
  assert.deepEqual(eras.LEGACY_VERSIONS, sdk.SUPPORTED_PROTOCOL_VERSIONS);
  for (const key of ['PROTOCOL_VERSION_META_KEY', 'CLIENT_CAPABILITIES_META_KEY', 'CLIENT_INFO_META_KEY', 'SERVER_INFO_META_KEY', 'LOG_LEVEL_META_KEY', 'SUBSCRIPTION_ID_META_KEY'] as const) {
    assert.equal(eras[key], sdk[key], key);
  }
});
