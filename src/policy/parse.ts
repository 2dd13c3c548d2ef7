import { DocumentError, parseDocument, type Problem } from '../documents/errors.js';
import { readDocumentText } from '../documents/read-text.js';
import { CompileError, compilePolicy, type CompiledPolicy } from './compile.js';
import { ConversionProblem, type Conversion, type Dialect } from './dialects/conversion.js';
import { fromIntercept } from './dialects/intercept.js';
import { interceptSchema } from './dialects/intercept-schema.js';
import { fromRuleList, ruleListSchema } from './dialects/rule-list.js';
import { policySchema, type PolicyDocument } from './schema.js';

/** A policy read from text: compiled for `decide`, with the canonical document it came to. */
export interface LoadedPolicy {
  readonly compiled: CompiledPolicy;
  readonly document: PolicyDocument;
  readonly dialect: Dialect;
  /** Where a converted policy's effect differs from its source's, for the operator to read. */
  readonly notes: readonly Problem[];
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
    return { compiled: compilePolicy(document, text, locate), document, dialect: conversion.dialect, notes: conversion.notes };
  } catch (error) {
    if (error instanceof CompileError) throw new DocumentError(source, error.problems);
    throw error;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Tells the dialect from the document's shape: only the other dialects have `tools.<name>.rules`. */
export function detectDialect(raw: Record<string, unknown>): Dialect {
  const entries = isObject(raw.tools) ? Object.values(raw.tools).filter(isObject) : [];
  if (!entries.some((entry) => Object.hasOwn(entry, 'rules'))) return 'canonical';
  const rules = entries.flatMap((entry) => (Array.isArray(entry.rules) ? entry.rules : [])).filter(isObject);
  const ruleList = rules.some((r) => r.action === 'allow' || r.action === 'require_approval' || Object.hasOwn(r, 'reason') || isObject(r.rate_limit));
  return ruleList ? 'rule-list' : 'intercept';
}

function toCanonical(raw: unknown, source: string): Conversion {
  if (!isObject(raw)) throw new DocumentError(source, [{ pointer: '', message: 'a policy is an object with version, default and tools' }]);
  const dialect = detectDialect(raw);
  if (dialect === 'canonical') return { dialect, policy: raw as Conversion['policy'], notes: [], origins: new Map() };
  try {
    if (dialect === 'intercept') return fromIntercept(parseDocument(interceptSchema, raw, source));
    return fromRuleList(parseDocument(ruleListSchema, raw, source));
  } catch (error) {
    if (error instanceof ConversionProblem) throw new DocumentError(source, [{ pointer: error.pointer, message: error.message }]);
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
