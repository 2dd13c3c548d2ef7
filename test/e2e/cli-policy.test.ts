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
    const summary = JSON.parse(result.stdout) as { valid: boolean; dialect: string; notes: string[] };
    assert.equal(summary.valid, true);
    assert.equal(summary.dialect, 'intercept');
    assert.ok(summary.notes.length > 0);
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
