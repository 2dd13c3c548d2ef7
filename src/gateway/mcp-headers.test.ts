import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeHeaderValue } from '../protocol/header-values.js';
import { annotatedParams, paramHeaderMismatch, standardHeaderMismatch } from './mcp-headers.js';

const b64 = (text: string) => `=?base64?${Buffer.from(text).toString('base64')}?=`;

describe('2026-07-28 request headers', () => {
  test('plain values pass, sentinel values are decoded, control characters are refused', () => {
    assert.equal(decodeHeaderValue('us-west1'), 'us-west1');
    assert.equal(decodeHeaderValue(b64('Hello, 世界')), 'Hello, 世界');
    assert.equal(decodeHeaderValue('line1\nline2'), undefined);
    assert.equal(decodeHeaderValue('caf\u00e9'), undefined);
    assert.equal(decodeHeaderValue('=?base64?SGVsbG8?='), undefined, 'unpadded Base64 is malformed');
    assert.equal(decodeHeaderValue('=?base64?SGVsbG8=?='), 'Hello');
  });

  test('Mcp-Method and Mcp-Name must match the body', () => {
    const params = { name: 'get_weather' };
    assert.equal(standardHeaderMismatch({ 'mcp-method': 'tools/call', 'mcp-name': 'get_weather' }, 'tools/call', params), undefined);
    assert.match(standardHeaderMismatch({}, 'tools/call', params)!, /Mcp-Method header is required/);
    assert.match(standardHeaderMismatch({ 'mcp-method': 'tools/call' }, 'tools/call', params)!, /Mcp-Name header is required/);
    assert.match(standardHeaderMismatch({ 'mcp-method': 'tools/call', 'mcp-name': 'other' }, 'tools/call', params)!, /does not match/);
    assert.equal(standardHeaderMismatch({ 'mcp-method': 'tools/list' }, 'tools/list', {}), undefined);
    assert.equal(standardHeaderMismatch({ 'mcp-method': 'resources/read', 'mcp-name': b64('file:///ä') }, 'resources/read', { uri: 'file:///ä' }), undefined);
  });

  const tool = {
    name: 'execute_sql',
    inputSchema: {
      type: 'object',
      properties: {
        region: { type: 'string', 'x-mcp-header': 'Region' },
        options: { type: 'object', properties: { shard: { type: 'integer', 'x-mcp-header': 'Shard' } } },
        query: { type: 'string' },
      },
    },
  };

  test('x-mcp-header annotations are found through nested properties', () => {
    assert.deepEqual(annotatedParams(tool), [
      { header: 'Region', path: ['region'] },
      { header: 'Shard', path: ['options', 'shard'] },
    ]);
  });

  test('Mcp-Param headers must mirror the arguments they name', () => {
    const args = { region: 'us-west1', options: { shard: 42 }, query: 'select 1' };
    assert.equal(paramHeaderMismatch({ 'mcp-param-region': 'us-west1', 'mcp-param-shard': '42.0' }, tool, args), undefined);
    assert.match(paramHeaderMismatch({ 'mcp-param-shard': '42' }, tool, args)!, /Mcp-Param-Region header is required/);
    assert.match(paramHeaderMismatch({ 'mcp-param-region': 'eu', 'mcp-param-shard': '42' }, tool, args)!, /does not match argument region/);
    assert.equal(paramHeaderMismatch({ 'mcp-param-region': 'us-west1' }, tool, { region: 'us-west1' }), undefined);
    assert.match(paramHeaderMismatch({ 'mcp-param-region': 'us-west1', 'mcp-param-shard': '1' }, tool, { region: 'us-west1' })!, /is absent/);
  });
});
