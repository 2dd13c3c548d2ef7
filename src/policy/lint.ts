import { segment } from './compile.js';
import { Glob } from './glob.js';
import type { LoadedPolicy } from './parse.js';
import type { Problem } from '../documents/errors.js';

/**
 * Warnings about a valid policy: fields its dialect ignores, rules that can never take effect, and, given the tools
 * a server offers, names the policy mentions that the server does not have (often a typo, which would leave a tool
 * ungoverned).
 */
export function lintPolicy({ document, ignored }: Pick<LoadedPolicy, 'document' | 'ignored'>, offered?: readonly string[]): Problem[] {
  const warnings: Problem[] = [...ignored];
  const hide = document.hide ?? [];
  const hidden = (name: string) => hide.some((h) => new Glob(h).matches(name));
  for (const [key, rule] of Object.entries(document.tools ?? {})) {
    const pointer = `/tools/${segment(key)}`;
    if (!Glob.isPattern(key) && hidden(Glob.literal(key))) warnings.push({ pointer, message: `"${key}" is hidden, so this entry never applies` });
    const governs = ['require', 'deny_if', 'limits', 'approval'].filter((field) => rule[field as keyof typeof rule] !== undefined);
    if (rule.deny && governs.length > 0) warnings.push({ pointer, message: `deny: true refuses every call, so ${governs.join(', ')} never apply` });
    if (document.default === 'allow' && governs.length === 0 && !rule.deny && rule.mode === undefined) {
      warnings.push({ pointer, message: 'an empty entry has no effect under default: allow' });
    }
  }
  if (hide.includes('*') && (document.tools || document.all_tools)) {
    warnings.push({ pointer: '/hide', message: '"*" hides every tool, so no rule under tools or all_tools ever applies' });
  }
  if (offered) {
    const known = new Set(offered);
    const mentioned: [string, string][] = [
      ...Object.keys(document.tools ?? {}).map((key): [string, string] => [key, `/tools/${segment(key)}`]),
      ...hide.filter((name) => name !== '*').map((name, i): [string, string] => [name, `/hide/${i}`]),
    ];
    for (const [name, pointer] of mentioned) {
      const matches = Glob.isPattern(name) ? offered.some((tool) => new Glob(name).matches(tool)) : known.has(Glob.literal(name));
      if (!matches) warnings.push({ pointer, message: Glob.isPattern(name) ? `pattern "${name}" matches no tool the server offers` : `the server offers no tool "${name}"` });
    }
  }
  return warnings;
}
