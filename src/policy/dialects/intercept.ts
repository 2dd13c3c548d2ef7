import { segment } from '../compile.js';
import { Glob } from '../glob.js';
import type { PolicyInput } from '../schema.js';
import type { Conversion } from './conversion.js';
import { conditionNote, DEFAULT_DENY_LISTING, HIDDEN_ANSWER, limitNote, ruleDenial } from './intercept-notes.js';
import { argumentPath, parseRateLimit, type InterceptCondition, type InterceptDocument, type InterceptRule } from './intercept-schema.js';
import { NEVER, stateCondition } from './intercept-state.js';

type Entry = NonNullable<PolicyInput['tools']>[string];
type Condition = NonNullable<Entry['require']>[number];

/**
 * An Intercept policy (see intercept-schema.ts) in the canonical form, deciding as Intercept does, with a note
 * wherever it does not. Intercept takes a tool's rules, then those of `"*"`, in written order, and the first that
 * fails decides: so every rule becomes a `require` in that order (a deny rule one that nothing satisfies), not a
 * `deny: true`, which the engine weighs first. Its counters are all reserved after every condition, as here.
 */
export function fromIntercept(document: InterceptDocument): Conversion {
  const notes: Conversion['notes'] = [];
  const origins = new Map<string, string>();
  // No prototype: a tool named __proto__ is an entry like any other, not a change of prototype.
  const tools: NonNullable<PolicyInput['tools']> = Object.create(null);
  let allTools: PolicyInput['all_tools'];
  for (const [name, { rules }] of Object.entries(document.tools)) {
    // MCP tool names are 1 to 128 characters: Intercept accepts the entry, no call can reach it (policy check warns).
    if (name === '') continue;
    const wildcard = name === '*';
    // To Intercept only the key "*" is a wildcard: a `*` inside a name is the character itself.
    const key = Glob.escape(name);
    const target = wildcard ? '/all_tools' : `/tools/${segment(key)}`;
    const entry: Entry = {};
    rules.forEach((r: InterceptRule, i) => {
      const source = `/tools/${segment(name)}/rules/${i}`;
      const require = (condition: Condition, from: string) => {
        const list = (entry.require ??= []);
        origins.set(`${target}/require/${list.length}`, from);
        list.push(condition);
      };
      if (r.action === 'deny') {
        require(NEVER(r), source);
        return;
      }
      // Intercept counts per tool (or `_global` for "*"), for everyone: global scope keeps that meaning.
      const scopeName = wildcard ? '_global' : name;
      const limit = (made: NonNullable<Entry['limits']>[number], from: string) => {
        const list = (entry.limits ??= []);
        const at = `${target}/limits/${list.length}`;
        origins.set(at, from);
        list.push({ ...made, name: r.name });
        notes.push(limitNote(from, String(made.window), made.increment_from !== undefined));
        return at;
      };
      const rate = r.rate_limit ? parseRateLimit(r.rate_limit) : undefined;
      if (rate && 'count' in rate) {
        const { count: max, window } = rate;
        limit({ counter: `${scopeName}._rate_${window}`, window, max, scope: 'global', on_deny: r.on_deny || `Rate limit of ${max} per ${window} reached. Try again later.` }, `${source}/rate_limit`);
        return;
      }
      r.conditions?.forEach((c, j) => {
        const from = `${source}/conditions/${j}`;
        if (c.path.startsWith('args.')) {
          require(argumentCondition(c, r), from);
          const note = conditionNote(from, c.op, c.value ?? null);
          if (note) notes.push(note);
          return;
        }
        stateCondition({ document, tool: name, rule: r, source, limit, require, origins, notes }, c, j);
      });
    });
    if (wildcard) allTools = entry;
    else tools[key] = entry;
  }
  if (document.default === 'deny') notes.push(DEFAULT_DENY_LISTING);
  if (document.hide?.length) notes.push(HIDDEN_ANSWER);
  return {
    dialect: 'intercept',
    policy: {
      version: '1',
      default: document.default,
      ...(document.description !== undefined && { description: document.description }),
      // "*" hides every tool; any other entry is one name, `*` and all.
      ...(document.hide && { hide: document.hide.map((entry) => (entry === '*' ? entry : Glob.escape(entry))) }),
      ...(allTools && { all_tools: allTools }),
      tools,
    },
    notes,
    origins,
  };
}

/** An `args.` condition, compared as Intercept compares. A missing value is Go's nil, which is what null is here. */
function argumentCondition(c: InterceptCondition, r: InterceptRule): Condition {
  const path = argumentPath(c.path);
  const value = c.op === 'exists' ? c.value : (c.value ?? null);
  return { path, op: c.op, ...(value !== undefined && { value }), compare: 'exact', name: r.name, on_deny: ruleDenial(r) };
}
