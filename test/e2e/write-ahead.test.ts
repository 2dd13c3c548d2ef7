import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AuditEntry, ChainedEntry } from '../../src/audit/audit-record.js';
import { MemoryAuditSink } from '../../src/audit/memory-sink.js';
import { RecordingTransport } from '../support/recording-transport.js';
import { startGateway } from './harness.js';

/**
 * The write-ahead promise of the audit log, pinned from outside: an allowed call reaches its server only after its
 * decision is durable, and not at all when the decision cannot be written.
 */

const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const POLICY = { version: '1', default: 'deny', tools: { write_thing: { limits: [{ counter: 'writes', window: 'minute', max: 1 }] } } };

/** A memory sink whose appends of allowed decisions wait for the test, or fail, as the test says. */
class ControlledSink extends MemoryAuditSink {
  mode: 'pass' | 'hold' | 'fail' = 'pass';
  private waiting: (() => void)[] = [];
  held = 0;

  override async append(entry: AuditEntry): Promise<ChainedEntry> {
    if (entry.kind === 'decision' && entry.decision === 'allowed') {
      if (this.mode === 'fail') throw new Error('disk full');
      if (this.mode === 'hold') {
        this.held++;
        await new Promise<void>((resolve) => this.waiting.push(resolve));
      }
    }
    return super.append(entry);
  }

  release(): void {
    for (const resolve of this.waiting.splice(0)) resolve();
  }
}

async function setup() {
  const upstream = new RecordingTransport();
  const sink = new ControlledSink();
  const gateway = await startGateway({ rec: { command: 'in-process', protocol: 'legacy', policy: POLICY } }, {}, { transport: () => upstream, stores: { audit: sink } });
  const call = async () => {
    const response = await fetch(gateway.url('rec'), {
      method: 'POST',
      headers: { ...HEADERS, 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'write_thing' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'write_thing', arguments: {}, _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} } },
      }),
    });
    return (await response.json()) as { result: { isError?: boolean; content: { text: string }[] } };
  };
  const forwarded = () => upstream.traffic().filter((m) => m.method === 'tools/call').length;
  return { gateway, sink, call, forwarded };
}

test('an allowed call reaches its server only once its decision is durable', async () => {
  const { gateway, sink, call, forwarded } = await setup();
  try {
    sink.mode = 'hold';
    const answered = call();
    const deadline = Date.now() + 5_000;
    while (sink.held === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(sink.held, 1, 'the decision is being written');
    // Turns of the event loop pass: the call stays with the gateway while its record is not yet durable.
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
    assert.equal(forwarded(), 0, 'the server has seen nothing');
    sink.release();
    const result = (await answered).result;
    assert.equal(result.isError, undefined);
    assert.equal(forwarded(), 1);
  } finally {
    await gateway.close();
  }
});

test('a call whose decision cannot be written is refused, reaches no server, and spends nothing', async () => {
  const { gateway, sink, call, forwarded } = await setup();
  try {
    sink.mode = 'fail';
    const refused = (await call()).result;
    assert.equal(refused.isError, true);
    assert.equal(refused.content[0]!.text, '[POLICY DENIED] audit log unavailable');
    assert.equal(forwarded(), 0);
    // The refused call's count was given back: the one call a minute the limit allows still passes.
    sink.mode = 'pass';
    assert.equal((await call()).result.isError, undefined);
    assert.equal(forwarded(), 1);
  } finally {
    await gateway.close();
  }
});
