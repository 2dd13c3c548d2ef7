import { performance } from 'node:perf_hooks';
import { decide } from '../src/policy/decide.js';
import { parsePolicy } from '../src/policy/parse.js';

/**
 * The policy engine alone: a policy with 1,000 tools, 100 name patterns and conditions on 100 tools, decided for a
 * rotating mix of calls (exact names, pattern-matched names, names no rule mentions, calls with conditions).
 * Targets: at least 1,000,000 decisions a second on one core, and compilation under 50 ms.
 */
export interface DecideResult {
  tools: number;
  patterns: number;
  conditioned: number;
  compileMs: number;
  decisionsPerSecond: number;
  nsPerDecision: number;
}

export function policyDocument(): object {
  const tools: Record<string, object> = {};
  for (let i = 0; i < 1000; i++) {
    tools[`service_tool_${i}`] =
      i % 10 === 0
        ? {
            require: [{ path: 'args.reason', op: 'exists' }],
            deny_if: [
              { path: 'args.amount', op: 'gt', value: 10_000 },
              { path: 'args.target', op: 'regex', value: '^prod-' },
            ],
            limits: [{ counter: `tool_${i}`, window: 'minute', max: 30 }],
          }
        : {};
  }
  for (let i = 0; i < 100; i++) tools[`family_${i}_*`] = i % 2 === 0 ? {} : { deny: true };
  return { version: '1', default: 'deny', hide: ['service_tool_999'], all_tools: { limits: [{ counter: 'all', window: 'hour', max: 100_000 }] }, tools };
}

export function benchDecide(durationMs = 2_000): DecideResult {
  const text = JSON.stringify(policyDocument());
  const compileStart = performance.now();
  const { compiled } = parsePolicy(text, 'bench-policy.json');
  const compileMs = performance.now() - compileStart;

  const calls = [
    ...Array.from({ length: 50 }, (_, i) => ({ tool: `service_tool_${i * 7}`, args: { reason: 'r', amount: 5, target: 'staging-1' } })),
    ...Array.from({ length: 20 }, (_, i) => ({ tool: `family_${i}_op`, args: {} })),
    ...Array.from({ length: 10 }, (_, i) => ({ tool: `unknown_${i}`, args: {} })),
  ];
  let decisions = 0;
  let sink = 0;
  // Warm up so the figure is the optimised code's.
  for (let i = 0; i < 200_000; i++) sink += decide(compiled, calls[i % calls.length]!).kind.length;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < durationMs) {
    for (let i = 0; i < 10_000; i++) sink += decide(compiled, calls[(decisions + i) % calls.length]!).kind.length;
    decisions += 10_000;
    elapsed = performance.now() - start;
  }
  if (sink === 0) throw new Error('unreachable');
  const perSecond = (decisions / elapsed) * 1_000;
  return { tools: 1000, patterns: 100, conditioned: 100, compileMs, decisionsPerSecond: Math.round(perSecond), nsPerDecision: Math.round(1e9 / perSecond) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = benchDecide();
  console.log(`decide(): ${result.decisionsPerSecond.toLocaleString('en')} decisions/s (${result.nsPerDecision} ns each) over a policy of ${result.tools} tools, ${result.patterns} patterns, conditions on ${result.conditioned}; compiled in ${result.compileMs.toFixed(1)} ms`);
}
