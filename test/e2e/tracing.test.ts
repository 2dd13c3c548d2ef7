import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { FIXTURE, httpClient, startGateway, type RunningGateway } from './harness.js';

/** OpenTelemetry: spans exported over OTLP/HTTP (JSON) to a real receiver on loopback. */

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: { key: string; value: { stringValue?: string; doubleValue?: number; intValue?: string } }[];
  status?: { code?: number };
}

const spans: OtlpSpan[] = [];
const exportHeaders: Record<string, string | string[] | undefined>[] = [];
let receiver: Server;
let gateway: RunningGateway;

before(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      assert.equal(req.url, '/v1/traces');
      exportHeaders.push(req.headers);
      const body = JSON.parse(Buffer.concat(chunks).toString()) as { resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[] };
      for (const resource of body.resourceSpans) for (const scope of resource.scopeSpans) spans.push(...scope.spans);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const { port } = receiver.address() as AddressInfo;
  gateway = await startGateway(
    { fixture: { ...FIXTURE, policy: { version: '1', default: 'deny', tools: { echo: {} } } } },
    { tracing: { otlp_endpoint: `http://127.0.0.1:${port}/v1/traces`, headers: { 'x-tenant': 'toolgate-test' } } },
  );
});

after(async () => {
  await gateway?.close();
  receiver?.close();
});

const attribute = (span: OtlpSpan, key: string) => {
  const value = span.attributes.find((a) => a.key === key)?.value;
  return value?.stringValue ?? value?.doubleValue ?? value?.intValue;
};

test('a span per call, with its decision and outcome, a child of the traceparent the request carries', async () => {
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const parentSpanId = '00f067aa0ba902b7';
  const client = await httpClient(gateway.url('fixture'));
  try {
    await client.callTool({ name: 'echo', arguments: { message: 'traced' }, _meta: { traceparent: `00-${traceId}-${parentSpanId}-01` } });
    const denied = await client.callTool({ name: 'sleep', arguments: { ms: 1 } });
    assert.equal(denied.isError, true);
  } finally {
    await client.close();
  }
  // Closing the gateway flushes the batch.
  await gateway.close();
  const echo = spans.find((s) => s.name === 'tools/call echo');
  const sleep = spans.find((s) => s.name === 'tools/call sleep');
  assert.ok(echo && sleep, `spans received: ${spans.map((s) => s.name).join(', ')}`);
  assert.equal(echo.traceId, traceId);
  assert.equal(echo.parentSpanId, parentSpanId);
  assert.equal(echo.kind, 2, 'a server span');
  assert.deepEqual(
    Object.fromEntries(['mcp.method.name', 'gen_ai.tool.name', 'toolgate.server', 'toolgate.grant', 'toolgate.decision', 'toolgate.rule', 'toolgate.status'].map((k) => [k, attribute(echo, k)])),
    { 'mcp.method.name': 'tools/call', 'gen_ai.tool.name': 'echo', 'toolgate.server': 'fixture', 'toolgate.grant': 'local', 'toolgate.decision': 'allowed', 'toolgate.rule': '/tools/echo', 'toolgate.status': 'ok' },
  );
  assert.match(String(attribute(echo, 'toolgate.request_id')), /^[0-9a-f-]{36}$/);
  assert.notEqual(sleep.traceId, traceId, 'a call without a parent starts its own trace');
  assert.deepEqual([attribute(sleep, 'toolgate.decision'), attribute(sleep, 'toolgate.rule'), attribute(sleep, 'toolgate.status')], ['denied', '(default deny)', undefined]);
  assert.equal(exportHeaders[0]!['x-tenant'], 'toolgate-test', 'the configured headers ride with the export');
});
