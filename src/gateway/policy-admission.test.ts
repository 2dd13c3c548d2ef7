import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, test } from 'node:test';
import { pino } from 'pino';
import { configSchema } from '../config/schema.js';
import type { Caller } from '../grants/authenticator.js';
import { FLEET_CHANNEL, type FleetBus } from '../fleet/fleet-bus.js';
import { LocalBus } from '../fleet/local-bus.js';
import { PolicyAdmission } from './policy-admission.js';
import type { Session } from './session.js';

const dir = mkdtempSync(join(tmpdir(), 'toolgate-admission-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function admission(servers: Record<string, unknown>) {
  const lines: Record<string, unknown>[] = [];
  const log = pino(new Writable({ write: (chunk: Buffer, _encoding, done) => (lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>), done()) }));
  const config = configSchema.parse({ servers: Object.fromEntries(Object.entries(servers).map(([name, policy]) => [name, { command: 'x', ...(policy !== undefined && { policy }) }])), store: 'memory', auth: 'none' });
  return { admission: new PolicyAdmission(config, log), lines };
}

const caller = (overrides: Partial<Caller> = {}): Caller => ({ id: 'g1', label: 'ops', servers: ['*'], policy: null, ...overrides });
const session = (c: Caller = caller()) => ({ caller: c }) as unknown as Session;

test('a call that needs approval is admitted with what the approval needs: the pipeline asks for it after counting', () => {
  const { admission: a } = admission({ s: { version: '1', default: 'deny', tools: { pay: { approval: { message: 'ask finance', approvers: ['group:finance'], quorum: 2 } } } } });
  try {
    const pay = a.admit({ session: session(), server: 's', method: 'tools/call', name: 'pay', arguments: {} });
    assert.equal(pay.allow, true);
    assert.deepEqual(pay.allow && pay.decision?.kind === 'allow' && pay.decision.approval, {
      pointer: '/tools/pay/approval',
      timeoutMs: 900_000,
      message: 'ask finance',
      approvers: ['group:finance'],
      quorum: 2,
    });
  } finally {
    a.close();
  }
});

test('a shadow refusal is allowed and logged as a warning naming the server, tool and rule', () => {
  const { admission: a, lines } = admission({ s: { version: '1', default: 'deny', mode: 'shadow' } });
  try {
    const verdict = a.admit({ session: session(), server: 's', method: 'tools/call', name: 't', arguments: {} });
    assert.equal(verdict.allow, true);
    const warning = lines.find((l) => l.level === 40);
    assert.ok(warning, 'a warning is logged');
    assert.equal(warning.msg, 'shadow mode: would refuse: Tool "t" is not permitted by policy');
    assert.deepEqual([warning.server, warning.tool, warning.rule], ['s', 't', '(default deny)']);
  } finally {
    a.close();
  }
});

test("a grant's own policy file governs its calls; one that does not load denies them, and is loaded once", () => {
  const file = join(dir, 'grant.json');
  writeFileSync(file, JSON.stringify({ version: '1', default: 'deny', tools: { read: {} } }));
  const { admission: a, lines } = admission({ s: { version: '1', default: 'allow' } });
  try {
    const own = caller({ policy: file });
    assert.equal(a.admit({ session: session(own), server: 's', method: 'tools/call', name: 'read', arguments: {} }).allow, true);
    const write = a.admit({ session: session(own), server: 's', method: 'tools/call', name: 'write', arguments: {} });
    assert.equal(!write.allow && write.rule, '(default deny)', "the grant's policy, not the server's default allow");
    assert.equal(a.admit({ session: session(), server: 's', method: 'tools/call', name: 'write', arguments: {} }).allow, true, 'other grants keep the server policy');

    const missing = caller({ label: 'lost', policy: join(dir, 'missing.json') });
    for (let i = 0; i < 2; i++) {
      const denied = a.admit({ session: session(missing), server: 's', method: 'prompts/get', name: 'p' });
      assert.deepEqual(denied, {
        allow: false,
        message: `prompts/get is not permitted by policy: the policy of grant "lost" (${join(dir, 'missing.json')}) does not load`,
        rule: '(no policy)',
        reason: 'no_policy',
      });
    }
    const errors = lines.filter((l) => l.level === 50);
    assert.equal(errors.length, 1, 'the failed load is logged once');
    assert.equal(errors[0]!.policy, join(dir, 'missing.json'));
    assert.match(String(errors[0]!.msg), /^grant policy .*missing\.json not loaded, its grants are denied everything until it loads: /);
    assert.equal(a.listed(session(missing), 's', 'tools', { name: 'read' }), false);
  } finally {
    a.close();
  }
});

test('a server the grant was not given is refused as not granted, and lists nothing', () => {
  const { admission: a } = admission({ s: { version: '1', default: 'allow' } });
  try {
    const other = caller({ label: 'narrow', servers: ['t'] });
    assert.deepEqual(a.admit({ session: session(other), server: 's', method: 'resources/read', name: 'mem://a' }), {
      allow: false,
      message: 'resources/read is not permitted by policy: grant "narrow" may not reach server "s"',
      rule: '(not granted)',
      reason: 'not_granted',
    });
    assert.equal(a.listed(session(other), 's', 'tools', { name: 'read' }), false);
    assert.equal(a.listed(session(), 's', 'tools', { name: 'read' }), true);
  } finally {
    a.close();
  }
});

test('resources and resource templates are listed as resources/read allows; prompts as prompts/get does', () => {
  const { admission: a } = admission({ s: { version: '1', default: 'allow', methods: { 'resources/read': 'deny' } } });
  try {
    assert.equal(a.listed(session(), 's', 'resources', { name: 'a', uri: 'mem://a' }), false);
    assert.equal(a.listed(session(), 's', 'resourceTemplates', { name: 'a', uriTemplate: 'mem://{x}' }), false);
    assert.equal(a.listed(session(), 's', 'prompts', { name: 'greet' }), true);
  } finally {
    a.close();
  }
});

test('refusals name their reason: no policy, an unknown method, a denied method', () => {
  const { admission: a } = admission({ none: undefined, s: { version: '1', default: 'allow', methods: { 'prompts/get': 'deny' } } });
  try {
    const none = a.admit({ session: session(), server: 'none', method: 'tools/call', name: 't' });
    assert.deepEqual(!none.allow && [none.reason, none.message], ['no_policy', 'Tool "t" is not permitted by policy: server "none" has no policy']);
    const unknown = a.admit({ session: session(), server: 's', method: 'x-vendor/sync' });
    assert.equal(!unknown.allow && unknown.reason, 'unknown_method');
    const denied = a.admit({ session: session(), server: 's', method: 'prompts/get', name: 'p' });
    assert.deepEqual(!denied.allow && [denied.reason, denied.rule], ['denied', '/methods/prompts~1get']);
  } finally {
    a.close();
  }
});

test('a server without a policy is unpoliced for a caller under the servers’ policies, not for a grant with its own or one not given it', () => {
  const own = join(dir, 'own.json');
  writeFileSync(own, JSON.stringify({ version: '1', default: 'allow' }));
  const { admission: a } = admission({ none: undefined, s: { version: '1', default: 'allow' } });
  try {
    assert.equal(a.unpoliced(session(), 'none'), true);
    assert.equal(a.unpoliced(session(), 's'), false);
    assert.equal(a.unpoliced(session(caller({ policy: own })), 'none'), false);
    assert.equal(a.unpoliced(session(caller({ servers: ['s'] })), 'none'), false);
  } finally {
    a.close();
  }
});

test("an inline policy that does not validate is reported under the server's configuration path", () => {
  assert.throws(() => admission({ s: { version: '1', default: 'sometimes' } }), /servers\.s\.policy/);
});

test('each server\'s load says where its policy comes from; a reload that fails keeps the last good policy and says why, until one succeeds', () => {
  const file = join(dir, 'load-state.json');
  writeFileSync(file, JSON.stringify({ version: '1', default: 'allow' }));
  const { admission: a } = admission({ filed: file, inline: { version: '1', default: 'deny' }, none: undefined });
  try {
    assert.deepEqual(['filed', 'inline', 'none'].map((server) => a.policyLoad(server)?.source.kind), ['file', 'inline', 'none']);
    assert.equal(a.policyLoad('none')?.loaded, undefined);
    const good = a.policyLoad('filed')!;
    writeFileSync(file, JSON.stringify({ version: '1', default: 'sometimes', tools: { x: { deny: 'yes' } } }));
    const failed = a.reload('filed')!;
    assert.equal(failed.loaded?.compiled.version, good.loaded?.compiled.version, 'the last good policy stays in force');
    assert.deepEqual(failed.error?.problems.map((p) => p.pointer), ['/default', '/tools/x/deny']);
    assert.equal(a.admit({ session: session(), server: 'filed', method: 'tools/call', name: 'x', arguments: {} }).allow, true, 'and decides calls');
    writeFileSync(file, JSON.stringify({ version: '1', default: 'deny' }));
    const fixed = a.reload('filed')!;
    assert.equal(fixed.error, undefined, 'a load that succeeds clears the error');
    assert.notEqual(fixed.loaded?.compiled.version, good.loaded?.compiled.version);
    assert.ok(fixed.loadedAt! >= good.loadedAt!, 'with the time it loaded');
    assert.equal(a.admit({ session: session(), server: 'filed', method: 'tools/call', name: 'x', arguments: {} }).allow, false);
    assert.equal(a.reload('inline'), a.policyLoad('inline'), 'an inline policy has no file to read again');
  } finally {
    a.close();
  }
});

/** Two replicas' admissions on one bus, each told only what the other announces. */
function twoReplicas(servers: Record<string, unknown>) {
  const bus = new LocalBus();
  const elsewhere: FleetBus = { replica: 'elsewhere', publish: (channel, message) => bus.publish(channel, message), subscribe: (channel, handler) => bus.subscribe(channel, handler), close: async () => {} };
  const { admission: here } = admission(servers);
  const { admission: there } = admission(servers);
  here.join(bus);
  there.join(elsewhere);
  return { bus, elsewhere, here, there };
}

test('a new version one replica loads is in force on another at once, from the fleet bus, not when its watch fires; nothing echoes back', async () => {
  const file = join(dir, 'fleet.json');
  writeFileSync(file, JSON.stringify({ version: '1', default: 'allow' }));
  const { bus, here, there } = twoReplicas({ s: file });
  const announced: unknown[] = [];
  bus.subscribe(FLEET_CHANNEL, (message) => announced.push(message));
  try {
    writeFileSync(file, JSON.stringify({ version: '1', default: 'deny' }));
    const written = here.reload('s')!.loaded!.compiled.version;
    assert.notEqual(there.policy('s')?.compiled.version, written, 'the other replica still has the old version');
    // One turn of the event loop: the watch's 50 ms settling has not passed.
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(there.policy('s')?.compiled.version, written, 'the bus brought the new version');
    assert.equal(there.admit({ session: session(), server: 's', method: 'tools/call', name: 'x', arguments: {} }).allow, false);
    assert.deepEqual(announced, [{ kind: 'policy', file, from: bus.replica }], 'announced once, by the replica that loaded it');
  } finally {
    here.close();
    there.close();
  }
});

test("an edit of a grant's own policy file is in force on the replica that watched it change and, through the bus, on another", async () => {
  const file = join(dir, 'grant-fleet.json');
  writeFileSync(file, JSON.stringify({ version: '1', default: 'allow' }));
  const { elsewhere, here, there } = twoReplicas({ s: { version: '1', default: 'allow' } });
  const own = caller({ policy: file });
  const call = (a: PolicyAdmission) => a.admit({ session: session(own), server: 's', method: 'tools/call', name: 'x', arguments: {} }).allow;
  try {
    assert.deepEqual([call(here), call(there)], [true, true], 'both loaded the grant policy at its first call');
    there.close(); // its own watch stops: only the bus can tell it now
    there.join(elsewhere);
    writeFileSync(file, JSON.stringify({ version: '1', default: 'deny' }));
    const deadline = Date.now() + 3_000;
    while ((call(here) || call(there)) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual([call(here), call(there)], [false, false], 'the edit is in force on both');
  } finally {
    here.close();
    there.close();
  }
});
