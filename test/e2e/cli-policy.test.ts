import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { policyJsonSchema } from '../../src/policy/json-schema.js';
import { loadPolicy } from '../../src/policy/policy-file.js';

/** `toolgate policy …`, run as users and CI scripts run it; and the examples the repository ships. */

const CLI = [process.execPath, '--import', 'tsx', 'src/cli/main.ts'] as const;
const run = (...args: string[]) => spawnSync(CLI[0], [...CLI.slice(1), 'policy', ...args], { encoding: 'utf8' });
const dir = mkdtempSync(join(tmpdir(), 'toolgate-policy-cli-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('toolgate policy check', () => {
  test('exits 0 for a valid policy and names its dialect and version', () => {
    const result = run('check', 'examples/policies/stripe.json');
    assert.equal(result.status, 0);
    assert.match(result.stdout, /stripe\.json: valid \(canonical, version [0-9a-f]{12}\)/);
  });

  test('exits 1 for an invalid one, with the file, the path and what was expected on stderr', () => {
    const bad = file('bad.json', '{"version":"1","default":"deny","tools":{"x":{"limits":[{"counter":"c","window":"minutes","max":5}]}}}');
    const result = run('check', bad);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /bad\.json: \/tools\/x\/limits\/0\/window: "minutes" is not a window/);
  });

  test('--json prints one object scripts can read', () => {
    const result = run('check', '--json', 'examples/policies/github.intercept.yaml');
    const summary = JSON.parse(result.stdout) as { valid: boolean; dialect: string; notes: { pointer: string; message: string }[] };
    assert.equal(summary.valid, true);
    assert.equal(summary.dialect, 'intercept');
    assert.deepEqual(
      summary.notes.map((n) => n.pointer),
      ['/tools/create_issue/rules/0/rate_limit', '/tools/*/rules/0/rate_limit', '/hide'],
      'each difference from Intercept is located where it was written',
    );
    assert.equal(result.stderr, '', 'with --json, nothing but the object is printed');
  });

  test('prints every place a converted policy behaves otherwise than Intercept, and --strict exits 1 for it', () => {
    const differs = file(
      'differs.intercept.yaml',
      'version: "1"\ndefault: deny\ntools:\n  t:\n    rules:\n      - name: not zero\n        conditions: [{ path: args.n, op: neq, value: 0 }]\n',
    );
    const lenient = run('check', differs);
    assert.equal(lenient.status, 0, lenient.stderr);
    const notes = lenient.stderr.split('\n').filter(Boolean);
    assert.match(notes[0]!, /differs\.intercept\.yaml: \/tools\/t\/rules\/0\/conditions\/0: note: An argument a server reads as the value refused here .*"0\.0"/);
    assert.match(notes[1]!, /differs\.intercept\.yaml: \/default: note: Intercept lists every tool the server offers except those in hide/);
    assert.equal(notes.length, 2, lenient.stderr);
    const strict = run('check', '--strict', differs);
    assert.equal(strict.status, 1, 'a difference from Intercept fails the check under --strict');
    assert.equal(strict.stderr, lenient.stderr);
  });

  test('--strict passes a converted policy that decides as Intercept does everywhere, and any canonical policy', () => {
    const same = file('same.intercept.yaml', 'version: "1"\ntools:\n  t:\n    rules:\n      - name: main only\n        conditions: [{ path: args.branch, op: eq, value: main }]\n');
    const result = run('check', '--strict', same);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stderr, '');
    assert.equal(run('check', '--strict', 'examples/policies/stripe.json').status, 0);
  });

  test('warns about rules that can never apply', () => {
    const never = file('never.json', '{"version":"1","default":"deny","hide":["x"],"tools":{"x":{},"y":{"deny":true,"require":[{"path":"args.a","op":"exists"}]}}}');
    const result = run('check', never);
    assert.equal(result.status, 0);
    assert.match(result.stderr, /\/tools\/x: warning: "x" is hidden, so this entry never applies/);
    assert.match(result.stderr, /\/tools\/y: warning: deny: true refuses every call, so require never apply/);
  });
});

describe('toolgate policy explain', () => {
  test('shows the decision and every rule that took part', () => {
    const result = run('explain', 'examples/policies/stripe.json', '--tool', 'stripe_create_refund', '--args', '{"amount": 20000, "reason": "x"}');
    assert.equal(result.status, 0);
    assert.match(result.stdout, /^deny by \/tools\/stripe_create_refund\/deny_if\/0: Refunds above 100\.00 need a human\./);
    assert.match(result.stdout, /\/tools\/stripe_create_refund\/require\/0  holds/);
  });

  test('--json carries the decision and the trace', () => {
    const result = run('explain', 'examples/policies/stripe.json', '--tool', 'stripe_get_customer', '--json');
    const { decision, trace } = JSON.parse(result.stdout) as { decision: { kind: string; rule: string }; trace: unknown[] };
    assert.deepEqual([decision.kind, decision.rule], ['allow', '/tools/stripe_get_*']);
    assert.ok(trace.length >= 2);
  });

  test('arguments that are not JSON are a usage error (exit 2)', () => {
    assert.equal(run('explain', 'examples/policies/stripe.json', '--tool', 'x', '--args', '{nope').status, 2);
  });
});

describe('toolgate policy test', () => {
  test('exits 0 when every case passes', () => {
    const result = run('test', 'examples/policies/stripe.json', 'examples/policies/stripe.cases.yaml');
    assert.equal(result.status, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /6 passed, 0 failed/);
  });

  test('exits 1 and says what differed when one fails', () => {
    const cases = file('cases.yaml', '- tool: stripe_create_charge\n  expect: allow\n');
    const result = run('test', 'examples/policies/stripe.json', cases);
    assert.equal(result.status, 1);
    assert.match(result.stdout, /✗ stripe_create_charge \{\}: expected allow, got deny \(\/tools\/stripe_create_charge\)/);
  });
});

describe('toolgate policy convert', () => {
  test('prints the canonical form of another dialect, which loads as the same policy', () => {
    const result = run('convert', 'examples/policies/smartlead.rules.json');
    assert.equal(result.status, 0);
    const canonical = file('converted.json', result.stdout);
    const original = loadPolicy('examples/policies/smartlead.rules.json', 'original');
    assert.deepEqual(loadPolicy(canonical, canonical).document, original.document);
    assert.match(result.stderr, /note: .*denied/);
  });

  test('an Intercept policy converts to one that loads as the same policy; --strict exits 1 after printing it', () => {
    const result = run('convert', '--strict', '--format', 'yaml', 'examples/policies/github.intercept.yaml');
    assert.equal(result.status, 1, 'the policy windows and hides otherwise than Intercept');
    const canonical = file('converted.yaml', result.stdout);
    const original = loadPolicy('examples/policies/github.intercept.yaml', 'original');
    assert.deepEqual(loadPolicy(canonical, canonical).document, original.document);
    assert.match(result.stderr, /github\.intercept\.yaml: \/tools\/\*\/rules\/0\/rate_limit: note: Intercept counts each calendar minute/);
  });
});

test('the committed JSON Schema is the one the code generates', () => {
  assert.deepEqual(JSON.parse(readFileSync('schema/policy.schema.json', 'utf8')), policyJsonSchema());
  assert.deepEqual(JSON.parse(run('schema').stdout), policyJsonSchema());
});

test('every example configuration and policy in the repository loads', () => {
  const examples = (folder: string) => readdirSync(folder).map((name) => join(folder, name));
  for (const policy of examples('examples/policies').filter((f) => !f.includes('.cases.'))) loadPolicy(policy, policy);
  for (const folder of examples('examples').filter((f) => !f.endsWith('policies'))) {
    for (const config of examples(folder).filter((f) => /toolgate\.ya?ml$/.test(f))) {
      const loaded = loadConfig(config);
      for (const server of Object.values(loaded.servers)) if (server.policy !== undefined) loadPolicy(server.policy, config);
    }
  }
});
