import type { PolicyInput } from '../schema.js';
import { segment } from '../compile.js';
import type { Conversion } from './conversion.js';
import type { InterceptDocument, InterceptRule } from './intercept-schema.js';
import { stateCondition } from './intercept-state.js';

/** An Intercept policy (see intercept-schema.ts) in the canonical form, with notes where the effect differs. */
export function fromIntercept(document: InterceptDocument): Conversion {
  const notes: string[] = [];
  const origins = new Map<string, string>();
  // No prototype: a tool named __proto__ is an entry like any other, not a change of prototype.
  const tools: NonNullable<PolicyInput['tools']> = Object.create(null);
  let allTools: PolicyInput['all_tools'];
  for (const [name, { rules }] of Object.entries(document.tools)) {
    const wildcard = name === '*';
    const target = `${wildcard ? '/all_tools' : `/tools/${segment(name)}`}`;
    const entry: NonNullable<PolicyInput['tools']>[string] = {};
    rules.forEach((r: InterceptRule, i) => {
      const source = `/tools/${segment(name)}/rules/${i}`;
      if (r.action === 'deny') {
        if (wildcard) entry.deny_if = [...(entry.deny_if ?? []), { path: 'args', op: 'exists', ...(r.on_deny && { on_deny: r.on_deny }) }];
        else {
          entry.deny = true;
          entry.on_deny ??= r.on_deny;
        }
        origins.set(target, source);
        return;
      }
      // Intercept counts per tool (or `_global` for "*"), for everyone: global scope keeps that meaning.
      const scopeName = wildcard ? '_global' : name;
      if (r.rate_limit) {
        const [count, window] = r.rate_limit.split('/') as [string, 'minute' | 'hour' | 'day'];
        const limits = (entry.limits ??= []);
        origins.set(`${target}/limits/${limits.length}`, `${source}/rate_limit`);
        limits.push({
          counter: `${scopeName}._rate_${window}`,
          window,
          max: Number(count),
          scope: 'global',
          on_deny: r.on_deny ?? `Rate limit of ${count} per ${window} reached. Try again later.`,
        });
        return;
      }
      r.conditions?.forEach((c, j) => {
        if (c.path.startsWith('args.')) {
          const require = (entry.require ??= []);
          origins.set(`${target}/require/${require.length}`, `${source}/conditions/${j}`);
          require.push({ path: c.path, op: c.op, ...(c.value !== undefined && { value: c.value }), ...(r.on_deny && { on_deny: r.on_deny }) });
          return;
        }
        stateCondition({ document, tool: name, rule: r, source, entry, target, origins, notes }, c, j);
      });
    });
    if (wildcard) allTools = entry;
    else tools[name] = entry;
  }
  if (Object.values(tools).some((t) => t.limits?.length) || allTools?.limits?.length) {
    notes.push('Intercept windows are calendar-aligned (a new minute resets the count); Toolgate windows roll, so no 60 seconds ever see more than the limit: stricter at window edges.');
  }
  return {
    dialect: 'intercept',
    policy: {
      version: '1',
      default: document.default,
      ...(document.description !== undefined && { description: document.description }),
      ...(document.hide && { hide: document.hide }),
      ...(allTools && { all_tools: allTools }),
      tools,
    },
    notes,
    origins,
  };
}

