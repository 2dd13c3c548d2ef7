import fc from 'fast-check';
import { MCP_NOTIFICATION_METHODS, MCP_REQUEST_METHODS } from './invariants.js';

/**
 * What the fuzzer sends: fast-check arbitraries for JSON-RPC messages, structured (MCP methods with plausible and
 * hostile params) and mutated (valid messages with one part replaced), each bound for a wire and an endpoint.
 * Ids are chosen here as a kind and made unique when sent, so every answer can be matched to its request.
 */

export type Wire = 'legacy' | 'modern' | 'stdio';
export type Endpoint = 'rec' | 'aggregate';

/** How an id is written: made concrete (and unique) by the sender. */
export type IdKind = 'number' | 'string' | 'float' | 'huge' | 'long' | 'negative' | 'null' | 'object' | 'array' | 'boolean' | 'absent';

export interface Draft {
  method: unknown;
  params?: unknown;
  /** `absent` makes it a notification. */
  id: IdKind;
  /** Other top-level fields, or a missing/wrong `jsonrpc`. */
  jsonrpc?: unknown;
}

/** How the HTTP request around a body is made: mostly right, sometimes wrong in one way. */
export interface Envelope {
  session: 'own' | 'missing' | 'unknown' | 'other-endpoint' | 'batch-session';
  contentType: string | undefined;
  accept: string | undefined;
  /** The MCP-Protocol-Version header: the wire's own, another, or none. */
  versionHeader: 'wire' | 'none' | 'legacy' | 'modern' | 'bogus';
  /** 2026-07-28 only: the Mcp-Method/Mcp-Name headers. */
  modernHeaders: 'match' | 'missing' | 'wrong-method' | 'wrong-name' | 'base64-name';
  /** 2026-07-28 only: the `_meta` envelope in the body. */
  meta: 'full' | 'no-capabilities' | 'no-version' | 'other-version' | 'none';
}

export type Payload = { kind: 'message'; draft: Draft } | { kind: 'batch'; drafts: Draft[] } | { kind: 'raw'; text: string };

export interface Probe {
  wire: Wire;
  endpoint: Endpoint;
  payload: Payload;
  envelope: Envelope;
}

/** Method names that look like MCP methods and are not, or that are dangerous as object keys. */
export const ODD_METHODS = [
  'Tools/Call',
  'TOOLS/CALL',
  'tools/call ',
  ' tools/call',
  'tools/call\n',
  'tools/call2',
  'tools/call\u0000',
  'tools/call/',
  '/tools/call',
  'tools//call',
  'tools.call',
  'tools\u2215call',
  't\u043eols/call',
  'tools/\u0441all',
  'tools/call\u200b',
  'notifications/tools/call',
  'tools/list2',
  'prompts/get ',
  'resources/read\t',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'prototype',
  'rpc.discover',
  'x-custom/method',
  '',
  ' ',
  'notifications/anything',
  'notifications/tools/list_changed ',
];

/** Tool names: the policy's, and variants of the denied ones a sloppy comparison would let through. */
export const TOOL_NAMES = [
  'read_thing',
  'write_thing',
  'refund',
  'delete_thing',
  'nope',
  'Delete_thing',
  'DELETE_THING',
  ' delete_thing',
  'delete_thing ',
  'delete_thing\u0000',
  'delete_thing\n',
  'delete\u2010thing',
  'd\u0435lete_thing',
  'delete_thing\u200b',
  'delete_thin\u0261',
  'rec__delete_thing',
  'rec__read_thing',
  'rec__refund',
  'rec__nope',
  'rec__',
  '__delete_thing',
  'REC__delete_thing',
  'rec__rec__read_thing',
  'other__read_thing',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '',
  '*',
  'read_*',
  'read_thing\u0000',
  'Read_Thing',
];

const LEVELS = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency', 'DEBUG', 'verbose', '', '__proto__'];
const URIS = ['thing://one', 'thing://two', 'thing://{id}', 'file:///etc/passwd', '', 'thing://one ', 'THING://ONE', '__proto__'];

/** Any JSON value, sometimes big or deep. */
const jsonish: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 300 }).map((depth) => nest(depth)) },
  { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 200_000 }).map((n) => 'x'.repeat(n)) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(null, [], {}, 0, -0, 1e308, '', true, JSON.parse('{"__proto__":{"name":"delete_thing"}}'), { constructor: { prototype: {} } }) },
);

function nest(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? { deeper: value } : [value];
  return value;
}

/** Amounts for refund's `lte 100`: in range, at the edge, past it, and of every wrong type. */
const amount = fc.oneof(
  fc.constantFrom<unknown>(0, 1, 50, 99.99, 100, 100.0000001, 101, 1000, 1e9, -1, -1e9, '50', '1000', '100', ' 50', '1e3', null, true, [50], { value: 50 }, '', 'NaN'),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
);

/** Modes for write_thing's `deny_if mode eq force`. */
const mode = fc.constantFrom<unknown>('force', 'safe', 'Force', 'FORCE', ' force', 'force ', 'forc\u0435', ['force'], { eq: 'force' }, null, 1, '', undefined);

/** Arguments: shaped for the tool named (usually), or anything. */
const args: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ amount }, { requiredKeys: [] }) },
  { weight: 3, arbitrary: fc.record({ mode, id: fc.string({ maxLength: 8 }) }, { requiredKeys: [] }) },
  { weight: 2, arbitrary: fc.record({ id: fc.string({ maxLength: 8 }) }) },
  { weight: 1, arbitrary: fc.record({ amount, mode }) },
  { weight: 2, arbitrary: jsonish },
);

const toolName = fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...TOOL_NAMES) }, { weight: 1, arbitrary: fc.string({ maxLength: 20, unit: 'binary' }) });

/** Params for a method: the shape it expects (with hostile values), or a wrong shape. */
function paramsFor(method: unknown): fc.Arbitrary<unknown> {
  const wrongShape = fc.constantFrom<unknown>(undefined, null, [], ['tools/call', { name: 'delete_thing' }], 42, 'delete_thing', true);
  let right: fc.Arbitrary<unknown>;
  switch (method) {
    case 'tools/call':
      right = fc.record({ name: toolName, arguments: args, _meta: fc.constantFrom<unknown>(undefined, { progressToken: 'p' }, { progressToken: 7 }, null) }, { requiredKeys: ['name'] });
      break;
    case 'prompts/get':
      right = fc.record({ name: fc.constantFrom('summary', 'nope', 'rec__summary', '__proto__'), arguments: fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 })) }, { requiredKeys: [] });
      break;
    case 'resources/read':
    case 'resources/subscribe':
    case 'resources/unsubscribe':
      right = fc.record({ uri: fc.oneof(fc.constantFrom<unknown>(...URIS), jsonish) });
      break;
    case 'completion/complete':
      right = fc.record({
        ref: fc.oneof(fc.record({ type: fc.constant('ref/prompt'), name: fc.constantFrom('summary', 'nope', 'delete_thing') }), fc.record({ type: fc.constant('ref/resource'), uri: fc.constantFrom(...URIS) }), jsonish),
        argument: fc.record({ name: fc.constant('topic'), value: fc.string({ maxLength: 5 }) }),
      });
      break;
    case 'logging/setLevel':
      right = fc.record({ level: fc.oneof(fc.constantFrom<unknown>(...LEVELS), jsonish) });
      break;
    case 'notifications/cancelled':
      right = fc.record({ requestId: fc.oneof(fc.integer({ min: 0, max: 50 }), fc.string({ maxLength: 5 })), reason: fc.string({ maxLength: 10 }) }, { requiredKeys: [] });
      break;
    case 'notifications/progress':
      right = fc.record({ progressToken: fc.oneof(fc.integer({ min: 0, max: 50 }), fc.constant('p')), progress: fc.integer() });
      break;
    default:
      // Odd and unknown methods carry a tool call's params too, so a gateway that reads names wherever it finds
      // them, or passes the message on, shows it.
      right = fc.oneof(fc.record({ name: toolName, arguments: args }), fc.dictionary(fc.string({ maxLength: 6 }), jsonish, { maxKeys: 4 }));
  }
  return fc.oneof({ weight: 9, arbitrary: right }, { weight: 1, arbitrary: fc.oneof(wrongShape, jsonish) });
}

const method = fc.oneof(
  { weight: 6, arbitrary: fc.constant('tools/call') },
  { weight: 6, arbitrary: fc.constantFrom(...MCP_REQUEST_METHODS) },
  { weight: 3, arbitrary: fc.constantFrom(...MCP_NOTIFICATION_METHODS) },
  { weight: 4, arbitrary: fc.constantFrom(...ODD_METHODS) },
  { weight: 1, arbitrary: fc.string({ maxLength: 24, unit: 'binary' }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(null, 42, ['tools/call'], { name: 'tools/call' }, true) },
);

const idKind = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom<IdKind>('number', 'string') },
  { weight: 4, arbitrary: fc.constant<IdKind>('absent') },
  { weight: 3, arbitrary: fc.constantFrom<IdKind>('float', 'huge', 'long', 'negative', 'null', 'object', 'array', 'boolean') },
);

/** A message built from its parts. */
const structured: fc.Arbitrary<Draft> = method.chain((m) =>
  fc.record({ method: fc.constant(m), params: paramsFor(m), id: idKind, jsonrpc: fc.oneof({ weight: 19, arbitrary: fc.constant('2.0') }, { weight: 1, arbitrary: fc.constantFrom<unknown>('1.0', 2, undefined, null) }) }),
);

/** The messages a well-behaved client sends, and the ones a policy gateway exists to refuse. */
const TEMPLATES: Draft[] = [
  { method: 'tools/call', params: { name: 'read_thing', arguments: { id: 'a' } }, id: 'number' },
  { method: 'tools/call', params: { name: 'write_thing', arguments: { id: 'a', mode: 'safe' } }, id: 'number' },
  { method: 'tools/call', params: { name: 'write_thing', arguments: { id: 'a', mode: 'force' } }, id: 'number' },
  { method: 'tools/call', params: { name: 'refund', arguments: { amount: 50 } }, id: 'number' },
  { method: 'tools/call', params: { name: 'refund', arguments: { amount: 1000 } }, id: 'number' },
  { method: 'tools/call', params: { name: 'delete_thing', arguments: { id: 'a' } }, id: 'number' },
  { method: 'tools/call', params: { name: 'nope', arguments: {} }, id: 'number' },
  { method: 'tools/call', params: { name: 'delete_thing' }, id: 'absent' },
  { method: 'prompts/get', params: { name: 'summary', arguments: { topic: 't' } }, id: 'string' },
  { method: 'resources/read', params: { uri: 'thing://one' }, id: 'number' },
  { method: 'resources/subscribe', params: { uri: 'thing://one' }, id: 'number' },
  { method: 'resources/unsubscribe', params: { uri: 'thing://one' }, id: 'number' },
  { method: 'completion/complete', params: { ref: { type: 'ref/prompt', name: 'summary' }, argument: { name: 'topic', value: 'o' } }, id: 'number' },
  { method: 'logging/setLevel', params: { level: 'info' }, id: 'number' },
  { method: 'tools/list', id: 'number' },
  { method: 'ping', id: 'number' },
  { method: 'notifications/roots/list_changed', id: 'absent' },
  { method: 'notifications/cancelled', params: { requestId: 1 }, id: 'absent' },
];

/** A valid message with one part replaced: its method, its tool, its arguments, its params, its id, or a field dropped. */
const mutated: fc.Arbitrary<Draft> = fc.tuple(fc.constantFrom(...TEMPLATES), fc.nat({ max: 6 }), method, toolName, args, jsonish, idKind).map(([template, which, m, name, a, value, id]) => {
  const draft: Draft = { ...template, params: template.params === undefined ? undefined : structuredClone(template.params) };
  const params = (draft.params ?? {}) as Record<string, unknown>;
  switch (which) {
    case 0:
      draft.method = m;
      break;
    case 1:
      draft.params = { ...params, name };
      break;
    case 2:
      draft.params = { ...params, arguments: a };
      break;
    case 3:
      draft.params = value;
      break;
    case 4:
      draft.id = id;
      break;
    case 5:
      draft.id = 'absent';
      break;
    default:
      draft.params = { ...params, [String(name)]: value };
  }
  return draft;
});

export const draft: fc.Arbitrary<Draft> = fc.oneof({ weight: 3, arbitrary: structured }, { weight: 2, arbitrary: mutated }, { weight: 1, arbitrary: fc.constantFrom(...TEMPLATES) });

/**
 * Bodies that are not built from a value: JSON whose parse differs from its look (duplicate keys, escapes, numbers
 * past double range, `__proto__` keys), broken JSON and random bytes. `ID` is replaced by a unique id.
 */
const RAW_TRICKS = [
  '{"jsonrpc":"2.0","id":ID,"method":"tools/call","params":{"name":"read_thing","name":"delete_thing"}}',
  '{"jsonrpc":"2.0","id":ID,"method":"tools/call","params":{"name":"delete_thing","name":"read_thing"}}',
  '{"jsonrpc":"2.0","id":ID,"method":"tools/call","method":"tools/call2","params":{"name":"read_thing"}}',
  '{"jsonrpc":"2.0","id":ID,"method":"tools/call","params":{"name":"delete\\u005fthing"}}',
  '{"jsonrpc":"2.0","id":ID,"method":"tools\\/call","params":{"name":"delete_thing"}}',
  '{"jsonrpc":"2.0","id":ID,"method":"tools/call","params":{"name":"refund","arguments":{"amount":1e400}}}',
  '{"jsonrpc":"2.0","id":ID,"method":"tools/call","params":{"name":"refund","arguments":{"amount":-1e400}}}',
  '{"jsonrpc":"2.0","id":ID,"method":"tools/call","params":{"name":"refund","arguments":{"amount":100.00000000000001}}}',
  '{"jsonrpc":"2.0","id":ID,"method":"tools/call","params":{"name":"refund","arguments":{"amount":50,"amount":500}}}',
  '{"jsonrpc":"2.0","id":ID,"method":"tools/call","params":{"name":"write_thing","arguments":{"mode":"safe","mode":"force"}}}',
  '{"jsonrpc":"2.0","id":ID,"method":"tools/call","params":{"name":"write_thing","arguments":{"__proto__":{"mode":"force"}}}}',
  '{"jsonrpc":"2.0","id":ID,"method":"tools/call","params":{"__proto__":{"name":"delete_thing"}}}',
  '{"jsonrpc":"2.0","id":ID,"method":"tools/call","params":{"name":"read_thing","constructor":{"name":"delete_thing"}}}',
  '{"jsonrpc":"2.0","method":"tools/call","params":{"name":"delete_thing"}}',
  '{"jsonrpc":"2.0","id":ID,"id":null,"method":"tools/call","params":{"name":"delete_thing"}}',
  '{"jsonrpc":"2.0","id":null,"id":ID,"method":"tools/call","params":{"name":"delete_thing"}}',
  '{"jsonrpc":"2.0","id":ID,"method":"tools/call","params":{"name":"read_thing"}',
  '{"jsonrpc":"2.0","id":ID,"method":"tools/call","params":{"name":"read_thing"}} {"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"delete_thing"}}',
  '{"jsonrpc":"2.0","id":ID,"method":"tools/call","params":{"name":"read_thing"}}\n{"jsonrpc":"2.0","method":"tools/call","params":{"name":"delete_thing"}}',
  '\ufeff{"jsonrpc":"2.0","id":ID,"method":"tools/call","params":{"name":"delete_thing"}}',
  '[]',
  '[[]]',
  'null',
  '"tools/call"',
  '',
  '{}',
];

export const raw: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...RAW_TRICKS) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes).toString('latin1')) },
  { weight: 1, arbitrary: fc.string({ maxLength: 64, unit: 'binary' }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value) ?? 'null') },
);

const envelope: fc.Arbitrary<Envelope> = fc.record({
  session: fc.oneof({ weight: 12, arbitrary: fc.constant<Envelope['session']>('own') }, { weight: 1, arbitrary: fc.constantFrom<Envelope['session']>('missing', 'unknown', 'other-endpoint', 'batch-session') }),
  contentType: fc.oneof(
    { weight: 15, arbitrary: fc.constant('application/json') },
    { weight: 1, arbitrary: fc.constantFrom<string | undefined>('application/json; charset=utf-8', 'APPLICATION/JSON', 'text/plain', 'application/jsonx', 'application/x-www-form-urlencoded', undefined) },
  ),
  accept: fc.oneof(
    { weight: 15, arbitrary: fc.constant('application/json, text/event-stream') },
    { weight: 1, arbitrary: fc.constantFrom<string | undefined>('*/*', 'application/json', 'text/event-stream', undefined) },
  ),
  versionHeader: fc.oneof({ weight: 12, arbitrary: fc.constant<Envelope['versionHeader']>('wire') }, { weight: 1, arbitrary: fc.constantFrom<Envelope['versionHeader']>('none', 'legacy', 'modern', 'bogus') }),
  modernHeaders: fc.oneof(
    { weight: 12, arbitrary: fc.constant<Envelope['modernHeaders']>('match') },
    { weight: 1, arbitrary: fc.constantFrom<Envelope['modernHeaders']>('missing', 'wrong-method', 'wrong-name', 'base64-name') },
  ),
  meta: fc.oneof({ weight: 12, arbitrary: fc.constant<Envelope['meta']>('full') }, { weight: 1, arbitrary: fc.constantFrom<Envelope['meta']>('no-capabilities', 'no-version', 'other-version', 'none') }),
});

const payload: fc.Arbitrary<Payload> = fc.oneof(
  { weight: 12, arbitrary: draft.map((d): Payload => ({ kind: 'message', draft: d })) },
  { weight: 2, arbitrary: fc.array(draft, { minLength: 1, maxLength: 6 }).map((drafts): Payload => ({ kind: 'batch', drafts })) },
  { weight: 2, arbitrary: raw.map((text): Payload => ({ kind: 'raw', text })) },
);

export const probe: fc.Arbitrary<Probe> = fc.record({
  wire: fc.constantFrom<Wire>('legacy', 'modern', 'stdio'),
  endpoint: fc.constantFrom<Endpoint>('rec', 'aggregate'),
  payload,
  envelope,
});
