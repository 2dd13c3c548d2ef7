import { ConversionProblem } from './conversion.js';
import type { InterceptCondition, InterceptRule } from './intercept-schema.js';

/** `state.<scope>.<counter> lte N` with a `state` block is a limit of N per window, counted before the call. */
export function stateLimit(r: InterceptRule, c: InterceptCondition, scopeName: string, source: string) {
  const [, scope, counter] = c.path.split('.');
  if (!r.state || counter !== r.state.counter || (scope !== scopeName && scope !== '_global')) {
    throw new ConversionProblem(`${source}/path`, `a condition on ${c.path} needs a state block naming counter "${counter}" in the same rule`);
  }
  if ((c.op !== 'lte' && c.op !== 'lt') || typeof c.value !== 'number') {
    throw new ConversionProblem(`${source}/op`, 'only "lte" and "lt" with a number can limit a state counter');
  }
  // Intercept refuses a call whose count after it would break the condition: `lte N` allows N, `lt N` allows N - 1.
  const max = c.op === 'lte' ? c.value : c.value - 1;
  return {
    counter: `${scope}.${counter}`,
    window: r.state.window,
    max,
    scope: 'global' as const,
    ...(r.state.increment !== undefined && { increment: r.state.increment }),
    ...(r.state.increment_from !== undefined && { increment_from: r.state.increment_from }),
    ...(r.on_deny && { on_deny: r.on_deny }),
  };
}
