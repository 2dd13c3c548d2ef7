import type { PolicyInput } from '../policy/schema.js';
import type { Classification } from './classify.js';
import { reasonsOf } from './reasons.js';
import { recommend, WRITE_LIMIT_PER_MINUTE, type Recommendation } from './recommend.js';

/** One tool of a server, as the catalogue classified it. */
export interface ClassifiedTool extends Classification {
  tool: string;
}

export interface StartingPolicy {
  document: PolicyInput;
  /** How many tools got each kind of rule. */
  effects: Record<Recommendation['effect'], number>;
}

/**
 * The policy `toolgate init` writes for one server: the catalogue's recommendation for each tool, under `default:
 * deny`, each rule saying in its `description` the tool's class, severity and why. A hidden tool has no entry under
 * `tools` (it would never apply, and `policy check` warns of such entries), so its class and reasons are written in
 * the policy's own `description`, a line each, where a reviewer reading the file finds them.
 */
export function startingPolicy(server: string, tools: readonly ClassifiedTool[]): StartingPolicy {
  const effects: StartingPolicy['effects'] = { allow: 0, limit: 0, approval: 0, hide: 0, 'per-operation': 0 };
  const hide: string[] = [];
  const hiddenNotes: string[] = [];
  const rules: [string, NonNullable<PolicyInput['tools']>[string]][] = [];
  for (const tool of tools) {
    const recommendation = recommend(tool.tool, tool);
    effects[recommendation.effect] += 1;
    if (recommendation.effect === 'hide') {
      hide.push(tool.tool);
      hiddenNotes.push(`\n- ${tool.tool}: ${explanation(tool)}`);
    } else {
      rules.push([tool.tool, { description: explanation(tool), ...recommendation.rule }]);
    }
  }
  const description =
    `Starting policy for server "${server}", written by toolgate init from the tool catalogue: reads allowed, writes at most ` +
    `${WRITE_LIMIT_PER_MINUTE} calls a minute per grant, code and money only with a human's approval (refused until ` +
    `approvals are available), destructive tools hidden, and every tool not named here denied. Review it before relying on it.` +
    (hide.length > 0 ? `\nHidden:${hiddenNotes.join('')}` : '');
  return {
    // From entries, so a tool named `__proto__` is a key like any other.
    document: { version: '1', default: 'deny', description, ...(hide.length > 0 && { hide }), tools: Object.fromEntries(rules) },
    effects,
  };
}

/** `Write, High: name has the verb 'create'; …`, with a consolidated tool's classes per operation after it. */
function explanation(tool: ClassifiedTool): string {
  const values = Object.entries(tool.operations?.values ?? {}).map(([value, c]) => `${value} ${c.class} ${c.severity}`);
  const operations = tool.operations ? `; per \`${tool.operations.argument}\`: ${values.join(', ')}` : '';
  return `${tool.class}, ${tool.severity}: ${reasonsOf(tool)}${operations}`;
}
