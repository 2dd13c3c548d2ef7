import { rank, type Classification, type RiskClass } from './classify.js';
import { pathTo } from '../policy/argument-path.js';
import type { ToolRuleChange } from '../policy/set-tool-rule.js';

interface Limit {
  counter: string;
  window: 'minute';
  max: number;
  scope: 'grant';
}

interface OperationCondition {
  path: string;
  op: 'in';
  value: string[];
  on_deny?: string;
}

/** A consolidated tool's rule: which operations may be asked for, which wait for a human, and the write budget. */
export interface OperationsRule {
  require?: OperationCondition[];
  approval?: { when: OperationCondition[] };
  limits?: Limit[];
}

/** What the catalogue recommends for a tool, as the policy rule `toolgate init` writes for it. */
export type Recommendation =
  | { effect: 'allow'; rule: Record<string, never>; text: string }
  | { effect: 'limit'; rule: { limits: Limit[] }; text: string }
  | { effect: 'approval'; rule: { approval: true }; text: string }
  | { effect: 'hide'; text: string }
  | { effect: 'per-operation'; rule: OperationsRule; text: string };

/** Calls a minute a grant may make of a Write tool, to begin with: the product's reference rule. */
export const WRITE_LIMIT_PER_MINUTE = 30;

const WRITE_LIMIT_TEXT = `at most ${WRITE_LIMIT_PER_MINUTE} calls a minute per grant`;

/**
 * A starting policy per class, under `default: deny`: reads allowed; writes limited (a counter `<tool>_rate`, 30 a
 * minute per grant, which for SmartLead's `smartlead_create_client_api_key` is the reference rule); code, money and
 * destruction held for a human or hidden. A consolidated tool whose operations differ in class gets a rule per
 * operation instead. An operator loosens it from there, knowingly.
 */
export function recommend(tool: string, classification: Classification): Recommendation {
  const perOperation = recommendPerOperation(tool, classification);
  if (perOperation) return perOperation;
  switch (classification.class) {
    case 'Read':
      return { effect: 'allow', rule: {}, text: 'allow' };
    case 'Write':
      return { effect: 'limit', rule: { limits: writeLimits(tool) }, text: `allow, ${WRITE_LIMIT_TEXT}` };
    case 'Execute':
    case 'Financial':
      return { effect: 'approval', rule: { approval: true }, text: 'require approval' };
    case 'Destructive':
      return { effect: 'hide', text: 'hide' };
  }
}

/** A recommendation as one rule of `PUT /admin/policies/<server>/tools/<tool>`; `exact: false` when the rule says less than the text. */
export interface RecommendedChange {
  change: ToolRuleChange;
  exact: boolean;
}

/**
 * The recommendation as the console's "set a rule" form starts from it: one of allow, deny, limit or approval. A tool
 * to hide gets deny (every call refused; only the policy's `hide` list also keeps it out of tools/list). A rule per
 * operation gets approval when an operation is held or refused, so a person sees each call the form cannot tell
 * apart, else its write budget. Never looser than the recommendation.
 */
export function recommendedChange(recommendation: Recommendation): RecommendedChange {
  switch (recommendation.effect) {
    case 'allow':
      return { change: { rule: 'allow' }, exact: true };
    case 'limit':
      return { change: { rule: 'limit', ...recommendation.rule.limits[0]! }, exact: true };
    case 'approval':
      return { change: { rule: 'approval' }, exact: true };
    case 'hide':
      return { change: { rule: 'deny' }, exact: false };
    case 'per-operation': {
      const { require, approval, limits } = recommendation.rule;
      if (require || approval || !limits) return { change: { rule: 'approval' }, exact: false };
      return { change: { rule: 'limit', ...limits[0]! }, exact: false };
    }
  }
}

function writeLimits(tool: string): Limit[] {
  return [{ counter: `${tool}_rate`, window: 'minute', max: WRITE_LIMIT_PER_MINUTE, scope: 'grant' }];
}

/**
 * `issue_write` with `method: create | update | delete`: hiding it for its delete would take its create away too.
 * So the destructive operations are refused and the others allowed by a `require` that the operation be one of
 * them (an allowlist: an absent or unforeseen operation is refused too, as the server's default could be any);
 * code and money wait for approval; and if any operation writes, every call counts against the tool's write
 * budget, since a limit cannot depend on the arguments. Only where the operations are what make the tool risky and
 * they differ in class: otherwise the tool's class says it all.
 */
function recommendPerOperation(tool: string, classification: Classification): Recommendation | undefined {
  const operations = classification.operations;
  if (!operations) return undefined;
  const values = Object.entries(operations.values);
  const worst = Math.max(...values.map(([, v]) => rank(v.class)));
  if (new Set(values.map(([, v]) => v.class)).size < 2 || worst !== rank(classification.class)) return undefined;
  const of = (...classes: RiskClass[]) => values.filter(([, v]) => classes.includes(v.class)).map(([value]) => value);
  const [written, held, refused] = [of('Write'), of('Execute', 'Financial'), of('Destructive')];
  const permitted = values.map(([value]) => value).filter((value) => !refused.includes(value));
  const allowed = permitted.filter((value) => !held.includes(value));
  const argument = `\`${operations.argument}\``;
  const path = pathTo(operations.argument);
  const listed = (names: string[]) => names.map((name) => `"${name}"`).join(', ');

  const rule: OperationsRule = {};
  if (refused.length > 0 || held.length > 0) {
    const why = refused.length > 0 ? `${listed(refused)} ${refused.length === 1 ? 'is' : 'are'} Destructive and refused` : 'the operation decides what the policy asks';
    rule.require = [{ path, op: 'in', value: permitted, on_deny: `${argument} must be one of ${listed(permitted)}: ${why}` }];
  }
  if (held.length > 0) rule.approval = { when: [{ path, op: 'in', value: held }] };
  if (written.length > 0) rule.limits = writeLimits(tool);
  const text = [
    allowed.length > 0 && `allow ${allowed.join(', ')}`,
    held.length > 0 && `require approval for ${held.join(', ')}`,
    refused.length > 0 && `refuse ${refused.join(', ')}`,
    written.length > 0 && `${WRITE_LIMIT_TEXT}, whatever the operation`,
  ].filter(Boolean);
  return { effect: 'per-operation', rule, text: `per ${argument}: ${text.join('; ')}` };
}
