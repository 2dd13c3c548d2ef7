import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AuthOutcome, Caller } from '../grants/authenticator.js';
import { Route } from './route.js';
import { Inventory } from './inventory.js';
import { SessionRegistry, SessionsFull } from './session-registry.js';
import { Session, type Credential } from './session.js';

const route = new Route(undefined, [], new Inventory());
const caller = (id: string): Caller => ({ id, label: id, servers: ['*'], policy: null });

function session(grant: string, credential?: Credential): Session {
  const made = new Session(route, caller(grant), 'legacy', '2025-11-25', {}, undefined);
  made.credential = credential;
  return made;
}

const bounds = { max: 5, maxPerGrant: 3, idleMs: 60_000, recheckMs: 60_000 };

/** Starts a registry's timers-free part: the hooks it ends sessions through (timers are unref'd and cleared). */
function started(registry: SessionRegistry, busy: (s: Session) => boolean = () => false, shared = false): Session[] {
  const ended: Session[] = [];
  const end = (s: Session) => (ended.push(s), registry.delete(s));
  registry.start({ verify: async () => ({ kind: 'ok', caller: caller('x') }), end, forget: end, shared, busy });
  return ended;
}

const streaming = (s: Session) => ((s.standalone = { send: () => true }), s);

describe('session bounds', () => {
  test('copies of shared sessions make room at either bound, however recently used: only copies that stream are kept', () => {
    const registry = new SessionRegistry(bounds);
    const forgotten = started(registry, () => false, true);
    const kept = [streaming(session('a')), session('a'), session('b'), streaming(session('c')), session('d')];
    kept.forEach((s, i) => ((s.lastSeen = Date.now() - i), registry.add(s)));
    registry.add(session('e'));
    assert.deepEqual(forgotten, [kept[4]], 'the gateway at its whole forgets the least recently used copy without a stream, just used or not');
    registry.add(session('a'));
    assert.deepEqual(forgotten, [kept[4], kept[2]], 'the next forgets the next idlest: the bound is on copies, not on the fleet');
    for (const s of registry.values()) if (s.caller.id !== 'a' && s.caller.id !== 'e') streaming(s);
    for (const s of registry.values()) if (s.caller.id === 'e' || s.caller.id === 'a') streaming(s);
    assert.throws(() => registry.add(session('f')), (error: unknown) => error instanceof SessionsFull && error.scope === 'gateway', 'with every copy streaming, the gateway is full');
    registry.close();
  });

  test('a grant at its share loses its least recently used idle session; the others stay', () => {
    const registry = new SessionRegistry(bounds);
    const ended = started(registry);
    const [oldest, middle, newest] = [session('a'), session('a'), session('a')];
    oldest!.lastSeen = 1;
    middle!.lastSeen = 2;
    newest!.lastSeen = 3;
    for (const s of [middle!, oldest!, newest!]) registry.add(s);
    const fourth = session('a');
    registry.add(fourth);
    assert.deepEqual(ended, [oldest]);
    assert.equal(registry.get(fourth.id), fourth);
    assert.equal(registry.size, 3);
    registry.close();
  });

  test('a session with an open stream or a call in flight is never the one to go: a grant whose every session is so is refused with 429 words', () => {
    const registry = new SessionRegistry(bounds);
    const busy = session('a');
    const ended = started(registry, (s) => s === busy);
    for (const s of [streaming(session('a')), busy, streaming(session('a'))]) registry.add(s);
    assert.throws(() => registry.add(session('a')), (error: unknown) => error instanceof SessionsFull && error.scope === 'grant' && /sessions\.max_per_grant/.test(error.message));
    assert.deepEqual(ended, []);
    registry.add(session('b'));
    registry.close();
  });

  test('a session used in the last ten seconds is not ended to make room (it may be about to open its stream)', () => {
    const registry = new SessionRegistry(bounds);
    const ended = started(registry);
    for (let i = 0; i < 3; i++) registry.add(session('a'));
    assert.throws(() => registry.add(session('a')), SessionsFull);
    assert.deepEqual(ended, []);
    registry.close();
  });

  test('the gateway holds at most max sessions in all, and never ends another grant\'s session to make room', () => {
    const registry = new SessionRegistry(bounds);
    const ended = started(registry);
    for (const grant of ['a', 'b', 'c', 'd', 'e']) registry.add(session(grant));
    assert.throws(() => registry.add(session('f')), (error: unknown) => error instanceof SessionsFull && error.scope === 'gateway' && /sessions\.max/.test(error.message));
    assert.deepEqual(ended, []);
    registry.close();
  });

  test('deleting a session twice, or one never added, frees nothing', () => {
    const registry = new SessionRegistry(bounds);
    const kept = [streaming(session('a')), streaming(session('a')), streaming(session('a'))];
    for (const s of kept) registry.add(s);
    registry.delete(session('a'));
    registry.delete(kept[0]!);
    registry.delete(kept[0]!);
    registry.add(streaming(session('a')));
    assert.throws(() => registry.add(session('a')), SessionsFull);
  });
});

describe('the credential recheck', () => {
  test('ends the sessions of a credential that no longer holds, checking each credential once however many share it', async () => {
    const registry = new SessionRegistry({ ...bounds, max: 10_000, maxPerGrant: 10_000 });
    const revoked = Array.from({ length: 2_000 }, () => session('gone', { bearer: 'Bearer old' }));
    const kept = Array.from({ length: 2_000 }, () => session('kept', { bearer: 'Bearer good' }));
    const stdio = session('kept', { named: 'kept' });
    for (const s of [...revoked, ...kept, stdio]) registry.add(s);
    const asked: Credential[] = [];
    const ended = new Set<Session>();
    await registry.recheck({
      verify: async (credential): Promise<AuthOutcome> => {
        asked.push(credential);
        return 'bearer' in credential && credential.bearer === 'Bearer old' ? { kind: 'rejected', description: 'revoked' } : { kind: 'ok', caller: caller('kept') };
      },
      end: (s) => (ended.add(s), registry.delete(s)),
    });
    assert.deepEqual(asked, [{ bearer: 'Bearer old' }, { bearer: 'Bearer good' }, { named: 'kept' }]);
    assert.equal(ended.size, 2_000);
    assert.ok(revoked.every((s) => ended.has(s)));
    assert.equal(registry.size, 2_001);
  });

  test('a credential that now proves another grant ends the session; one the store cannot check ends nothing', async () => {
    const registry = new SessionRegistry(bounds);
    const moved = session('a', { bearer: 'Bearer x' });
    const unknowable = session('b', { bearer: 'Bearer y' });
    registry.add(moved);
    registry.add(unknowable);
    await registry.recheck({
      verify: async (credential) => {
        if ('bearer' in credential && credential.bearer === 'Bearer y') throw new Error('store down');
        return { kind: 'ok', caller: caller('someone-else') };
      },
      end: (s) => registry.delete(s),
    });
    assert.equal(registry.get(moved.id), undefined);
    assert.equal(registry.get(unknowable.id), unknowable);
  });

  test('yields to the event loop while it works, so requests are not held up behind it', async () => {
    const registry = new SessionRegistry({ ...bounds, max: 10_000, maxPerGrant: 10_000 });
    for (let i = 0; i < 1_000; i++) registry.add(session(`g${i}`, { bearer: `Bearer ${i}` }));
    let checked = 0;
    let checkedWhenServed = -1;
    setImmediate(() => (checkedWhenServed = checked));
    await registry.recheck({ verify: async (c) => (checked++, { kind: 'ok', caller: caller(`g${('bearer' in c ? (c.bearer ?? '') : '').slice(7)}`) }), end: () => {} });
    assert.equal(checked, 1_000);
    assert.ok(checkedWhenServed >= 0 && checkedWhenServed < 100, `a macrotask ran after ${checkedWhenServed} checks`);
  });
});
