import type { Problem } from '../documents/errors.js';
import { segment } from './compile.js';
import { Glob } from './glob.js';
import { PolicyChangeError } from './policy-change-error.js';
import type { PolicyDocument, ToolRuleDocument } from './schema.js';

/**
 * One tool's rule as the console and `toolgate policy set` offer it. The fields are the policy language's own
 * (docs/policy.md); what they must be is the policy schema's to say, once the changed document is validated.
 */
export type ToolRuleChange =
  | { rule: 'allow' }
  | { rule: 'deny'; message?: string }
  | { rule: 'limit'; counter: string; window: string | number; max: number; scope?: 'grant' | 'session' | 'global' }
  | { rule: 'approval'; message?: string; timeout?: string | number; approvers?: string[]; quorum?: number };

/** What setting a rule changed besides the tool's entry, for the person who asked. */
export interface RuleChangeResult {
  document: PolicyDocument;
  notes: Problem[];
}

/** The entry's fields that are no rule (a note for readers, what the audit log keeps): a new rule keeps them. */
const KEPT_FIELDS = ['description', 'audit'] as const;

/**
 * The document with `tool`'s entry governed by `rule` alone (its conditions, limits, approval and deny replaced), and
 * the tool un-hidden if `hide` names it. Pure: `document` is not changed. A tool hidden by a pattern (or `"*"`) is
 * refused: removing the pattern would show other tools too.
 */
export function setToolRule(document: PolicyDocument, tool: string, rule: ToolRuleChange): RuleChangeResult {
  const notes: Problem[] = [];
  const hide = document.hide ?? [];
  const covering = hide.findIndex((name) => Glob.isPattern(name) && new Glob(name).matches(tool));
  if (covering >= 0) {
    throw new PolicyChangeError('conflict', `"${hide[covering]}" hides "${tool}" and may hide other tools: change hide by hand (or replace the whole document)`, `/hide/${covering}`);
  }
  const names = (name: string) => !Glob.isPattern(name) && Glob.literal(name) === tool;
  const named = hide.findIndex(names);
  if (named >= 0) notes.push({ pointer: `/hide/${named}`, message: `"${tool}" was hidden; it is listed again, under its new rule` });
  const kept = hide.filter((name) => !names(name));
  const tools = { ...document.tools };
  // The entry that names the tool exactly, however it is written (a name with "*" is escaped), else a new one.
  const key = Object.keys(tools).find(names) ?? Glob.escape(tool);
  const previous = tools[key];
  const entry: ToolRuleDocument = { ...Object.fromEntries(KEPT_FIELDS.filter((field) => previous?.[field] !== undefined).map((field) => [field, previous![field]])), ...ruleFields(rule) };
  tools[key] = entry;
  if (document.mode === 'shadow') notes.push({ pointer: '/mode', message: 'the policy is in shadow mode: a refusal under this rule is logged, not enforced' });
  if (rule.rule === 'allow' && document.all_tools) notes.push({ pointer: `/tools/${segment(key)}`, message: 'all_tools still applies to this tool' });
  const { hide: _, ...rest } = document;
  return { document: { ...rest, ...(kept.length > 0 && { hide: kept }), tools }, notes };
}

function ruleFields(change: ToolRuleChange): ToolRuleDocument {
  switch (change.rule) {
    case 'allow':
      return {};
    case 'deny':
      return { deny: true, ...(change.message !== undefined && { on_deny: change.message }) };
    case 'limit':
      return { limits: [{ counter: change.counter, window: change.window, max: change.max, scope: change.scope ?? 'grant' }] };
    case 'approval': {
      const { rule: _, ...options } = change;
      return { approval: Object.keys(options).length === 0 ? true : options };
    }
  }
}
