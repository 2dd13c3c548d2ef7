import { DocumentError, parseDocument, type Problem } from '../documents/errors.js';
import { readDocumentText } from '../documents/read-text.js';
import { CompileError, compilePolicy, type CompiledPolicy } from './compile.js';
import { ConversionProblem, type Conversion, type Dialect } from './dialects/conversion.js';
import { fromIntercept } from './dialects/intercept.js';
import { ignoredFields, interceptSchema } from './dialects/intercept-schema.js';
import { fromRuleList, ruleListSchema } from './dialects/rule-list.js';
import { policySchema, type PolicyDocument } from './schema.js';

/** A policy read from text: compiled for `decide`, with the canonical document it came to. */
export interface LoadedPolicy {
  readonly compiled: CompiledPolicy;
  readonly document: PolicyDocument;
  readonly dialect: Dialect;
  /** Where a converted policy's effect differs from its source's, for the operator to read. */
  readonly notes: readonly Problem[];
  /** Fields the source dialect ignores, and so does Toolgate: `policy check` warns about each. */
  readonly ignored: readonly Problem[];
}

/**
 * Reads a policy in any dialect (canonical, Intercept, rule-list; YAML or JSON), converts it to the canonical form,
 * validates and compiles it. Every problem is reported at once, located in the document as written.
 */
export function parsePolicy(text: string, source: string): LoadedPolicy {
  const conversion = toCanonical(readDocumentText(text, source), source);
  const locate = (pointer: string) => origin(conversion.origins, pointer);
  const document = parseDocument(policySchema, conversion.policy, source, locate);
  try {
    return { compiled: compilePolicy(document, text, locate), document, dialect: conversion.dialect, notes: conversion.notes, ignored: conversion.ignored ?? [] };
  } catch (error) {
    if (error instanceof CompileError) throw new DocumentError(source, error.problems);
    throw error;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Fields only the canonical form has, at the top and in a tool's entry: the other dialects have no use for them. */
const CANONICAL_FIELDS = ['all_tools', 'methods', 'mode'];
const CANONICAL_ENTRY_FIELDS = ['require', 'deny_if', 'limits', 'on_deny', 'approval', 'deny', 'mode', 'audit'];
/** A rule's fields that only Intercept's form has, and those only the rule-list form has. */
const INTERCEPT_RULE_FIELDS = ['name', 'conditions', 'state', 'on_deny'];
const isRuleListRule = (r: Record<string, unknown>) => r.action === 'allow' || r.action === 'require_approval' || Object.hasOwn(r, 'reason') || isObject(r.rate_limit);
const isInterceptRule = (r: Record<string, unknown>) => INTERCEPT_RULE_FIELDS.some((field) => Object.hasOwn(r, field)) || typeof r.rate_limit === 'string' || r.action === 'evaluate';

/**
 * Tells the dialect from the document's shape, and why (for an error, where the document could be read another way).
 * Canonical needs `default` and has no `rules`; Intercept needs none of its fields and ignores unknown ones, so a
 * document that is neither canonical nor rule-list is Intercept's; a rule-list document has rules in its own words.
 */
export function detectDialect(raw: Record<string, unknown>): { dialect: Dialect; because: string } {
  const entries = isObject(raw.tools) ? Object.values(raw.tools) : [];
  const objects = entries.filter(isObject);
  if (objects.some((entry) => Object.hasOwn(entry, 'rules'))) {
    const rules = objects.flatMap((entry) => (Array.isArray(entry.rules) ? entry.rules : [])).filter(isObject);
    // Intercept cannot read a rate_limit written as an object; other rule-list words it would ignore.
    if (rules.some((r) => isObject(r.rate_limit)) || (rules.some(isRuleListRule) && !rules.some(isInterceptRule))) {
      return { dialect: 'rule-list', because: 'a rule has action allow or require_approval, a reason, or a rate_limit with max and window' };
    }
    return { dialect: 'intercept', because: 'its tools have rules' };
  }
  if (CANONICAL_FIELDS.some((field) => Object.hasOwn(raw, field)) || objects.some((entry) => CANONICAL_ENTRY_FIELDS.some((field) => Object.hasOwn(entry, field)))) {
    return { dialect: 'canonical', because: 'it has fields only the canonical form has' };
  }
  // The canonical form refuses null tools, where Intercept reads them as none.
  if (raw.tools !== null && !entries.includes(null) && (raw.default === 'allow' || raw.default === 'deny')) {
    return { dialect: 'canonical', because: 'it has a default and no tool has rules' };
  }
  return { dialect: 'intercept', because: 'it has no valid "default", which a canonical policy needs, and no tool has rules' };
}

function toCanonical(raw: unknown, source: string): Conversion {
  if (!isObject(raw)) throw new DocumentError(source, [{ pointer: '', message: 'a policy is an object with version, default and tools' }]);
  const { dialect, because } = detectDialect(raw);
  if (dialect === 'canonical') return { dialect, policy: raw as Conversion['policy'], notes: [], origins: new Map() };
  try {
    if (dialect === 'intercept') return { ...fromIntercept(parseDocument(interceptSchema, raw, source)), ignored: ignoredFields(raw) };
    return fromRuleList(parseDocument(ruleListSchema, raw, source));
  } catch (error) {
    const words = dialect === 'intercept' ? 'an Intercept policy' : 'a rule-list policy';
    const read: Problem = { pointer: '', message: `read as ${words}, because ${because}` };
    if (error instanceof ConversionProblem) throw new DocumentError(source, [{ pointer: error.pointer, message: error.message }, read]);
    if (error instanceof DocumentError) throw new DocumentError(source, [...error.problems, read]);
    throw error;
  }
}

/** The source pointer a canonical pointer came from: the longest recorded prefix, rewritten. */
function origin(origins: ReadonlyMap<string, string>, pointer: string): string {
  let best = '';
  for (const prefix of origins.keys()) {
    if ((pointer === prefix || pointer.startsWith(`${prefix}/`)) && prefix.length > best.length) best = prefix;
  }
  return best ? origins.get(best)! + pointer.slice(best.length) : pointer;
}
