import { createHash } from 'node:crypto';
import { parsePath } from './argument-path.js';
import { compileCondition, type CompiledCondition } from './conditions.js';
import type { ApprovalRequirement, CompiledLimit, Decision, RulePointer } from './decision.js';
import { toMilliseconds } from './duration.js';
import { Glob } from './glob.js';
import type { PolicyDocument, RuleDocument, ToolRuleDocument } from './schema.js';
import { segment, type Problem } from '../documents/errors.js';

export interface CompiledApproval extends ApprovalRequirement {
  /** Approval is needed only when all of these hold (always, when there are none). */
  readonly when: readonly CompiledCondition[];
}

export interface CompiledRule {
  readonly pointer: RulePointer;
  readonly require: readonly CompiledCondition[];
  readonly denyIf: readonly CompiledCondition[];
  readonly limits: readonly CompiledLimit[];
  readonly onDeny?: string;
  readonly approval?: CompiledApproval;
  readonly shadow: boolean;
  /** What the audit log keeps of the arguments, when the rule says. */
  readonly auditArgs?: 'keys' | 'full' | 'redacted';
}

export interface CompiledTool extends CompiledRule {
  /** The key under `tools`: a name, or a pattern with `*` (as written, escapes and all). */
  readonly key: string;
  readonly deny: boolean;
  /** The tool's limits, then those of `all_tools`. */
  readonly allLimits: readonly CompiledLimit[];
  /** The allow decision, when nothing in it depends on the call's arguments: shared rather than built per call. */
  readonly allow?: Decision;
}

/** A policy ready for `decide`: plain data, built once per load, never changed afterwards. */
export interface CompiledPolicy {
  /** Content hash of the document (hex, 12 characters), recorded with every decision. */
  readonly version: string;
  readonly default: 'allow' | 'deny';
  readonly shadow: boolean;
  readonly hideAll: boolean;
  readonly hidden: ReadonlySet<string>;
  readonly hiddenPatterns: readonly Glob[];
  readonly exact: ReadonlyMap<string, CompiledTool>;
  /** Pattern entries in precedence order (see `precedence`). */
  readonly patterns: readonly { glob: Glob; tool: CompiledTool }[];
  readonly allTools?: CompiledRule;
  readonly methods: { readonly exact: ReadonlyMap<string, 'allow' | 'deny'>; readonly patterns: readonly { glob: Glob; effect: 'allow' | 'deny' }[] };
  /** The allow decision for a tool with no entry (under `default: allow`), when it can be shared. */
  readonly allowDefault?: Decision;
}

export class CompileError extends Error {
  constructor(readonly problems: readonly Problem[]) {
    super(problems.map((p) => `${p.pointer}: ${p.message}`).join('\n'));
  }
}

export { segment };

/**
 * Pattern precedence, for a name that more than one `tools` pattern matches (an exact key always wins first):
 * the pattern with more literal characters, then the one with fewer `*`, then the one written first.
 */
export function precedence(a: { glob: Glob; order: number }, b: { glob: Glob; order: number }): number {
  return b.glob.literals - a.glob.literals || a.glob.wildcards - b.glob.wildcards || a.order - b.order;
}

/**
 * Compiles a validated document. Problems the schema cannot see (bad regexes, clashing counters) are collected,
 * located by `locate`, which for a converted document turns a canonical pointer into one in the document as written.
 */
/** A policy's version: the digest of its text, so the same file is the same version wherever it is loaded. */
export function policyVersion(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}

export function compilePolicy(document: PolicyDocument, text: string, locate: (pointer: string) => string = (pointer) => pointer): CompiledPolicy {
  const problems: Problem[] = [];
  const counters = new Map<string, CompiledLimit>();
  /** A call counts once per limit, and the store sums a counter named twice: the same budget would be spent twice. */
  const countedTwice = (limit: CompiledLimit, first: CompiledLimit, where: string) =>
    problems.push({
      pointer: limit.pointer,
      message: `counter "${limit.counter}" is already counted ${where} at ${locate(first.pointer)}; naming it again would count each call twice against its one budget`,
    });

  const rule = (doc: RuleDocument, pointer: string, policyShadow: boolean): CompiledRule => {
    const conditions = (list: RuleDocument['require'], field: string) =>
      (list ?? []).flatMap((c, i) => attempt(problems, `${pointer}/${field}/${i}`, () => compileCondition(c, `${pointer}/${field}/${i}`)));
    const ownCounters = new Map<string, CompiledLimit>();
    const limits = (doc.limits ?? []).map((l, i) => {
      const limit: CompiledLimit = {
        pointer: `${pointer}/limits/${i}`,
        counter: l.counter,
        windowMs: toMilliseconds(l.window),
        max: l.max,
        scope: l.scope,
        increment: l.increment ?? 1,
        ...(l.increment_from !== undefined && { incrementFrom: { path: l.increment_from, steps: parsePath(l.increment_from) } }),
        ...(l.on_deny !== undefined && { message: l.on_deny }),
        ...(l.name !== undefined && { name: l.name }),
      };
      // A limit that only reads its counter (increment 0) counts nothing twice, and has a maximum of its own.
      const reads = l.increment === 0;
      const twin = reads ? undefined : ownCounters.get(l.counter);
      const earlier = counters.get(l.counter);
      if (twin) countedTwice(limit, twin, 'by this rule');
      else if (earlier && (earlier.windowMs !== limit.windowMs || (!reads && earlier.increment !== 0 && earlier.max !== limit.max) || earlier.scope !== limit.scope)) {
        problems.push({
          pointer: limit.pointer,
          message: `counter "${l.counter}" is also defined at ${locate(earlier.pointer)} with a different window, max or scope; a counter shared by several rules must be defined the same way in each`,
        });
      }
      if (!twin && !reads) ownCounters.set(l.counter, limit);
      if (!earlier || earlier.increment === 0) counters.set(l.counter, limit);
      return limit;
    });
    const approval = doc.approval === undefined ? undefined : compileApproval(doc.approval, `${pointer}/approval`, problems);
    return {
      pointer,
      require: conditions(doc.require, 'require'),
      denyIf: conditions(doc.deny_if, 'deny_if'),
      limits,
      ...(doc.on_deny !== undefined && { onDeny: doc.on_deny }),
      ...(approval && { approval }),
      shadow: policyShadow || doc.mode === 'shadow',
      ...(doc.audit && { auditArgs: doc.audit.args }),
    };
  };

  const shadow = document.mode === 'shadow';
  const allTools = document.all_tools && rule(document.all_tools, '/all_tools', shadow);
  const exact = new Map<string, CompiledTool>();
  const patterns: { glob: Glob; tool: CompiledTool; order: number }[] = [];
  Object.entries(document.tools ?? {}).forEach(([key, doc]: [string, ToolRuleDocument], order) => {
    const compiled = rule(doc, `/tools/${segment(key)}`, shadow);
    for (const limit of compiled.limits) {
      const everyTool = limit.increment !== 0 && allTools?.limits.find((l) => l.counter === limit.counter && l.increment !== 0);
      if (everyTool) countedTwice(limit, everyTool, 'for every tool');
    }
    const allLimits = [...compiled.limits, ...(allTools?.limits ?? [])];
    const fixed = fixedAllow(compiled.pointer, allLimits, compiled.approval ?? allTools?.approval);
    const tool: CompiledTool = { ...compiled, key, deny: doc.deny === true, allLimits, ...(fixed && { allow: fixed }) };
    if (Glob.isPattern(key)) patterns.push({ glob: new Glob(key), tool, order });
    else exact.set(Glob.literal(key), tool);
  });
  patterns.sort(precedence);

  const hide = document.hide ?? [];
  const methods = Object.entries(document.methods ?? {});
  if (problems.length > 0) throw new CompileError(problems.map((p) => ({ ...p, pointer: locate(p.pointer) })));
  const allowDefault = fixedAllow('(default allow)', allTools?.limits ?? [], allTools?.approval);
  return {
    version: policyVersion(text),
    default: document.default,
    shadow,
    hideAll: hide.includes('*'),
    hidden: new Set(hide.filter((name) => !Glob.isPattern(name)).map(Glob.literal)),
    hiddenPatterns: hide.filter((name) => Glob.isPattern(name) && name !== '*').map((name) => new Glob(name)),
    exact,
    patterns: patterns.map(({ glob, tool }) => ({ glob, tool })),
    ...(allTools && { allTools }),
    methods: {
      exact: new Map(methods.filter(([name]) => !Glob.isPattern(name))),
      patterns: methods.filter(([name]) => Glob.isPattern(name)).map(([name, effect]) => ({ glob: new Glob(name), effect })),
    },
    ...(allowDefault && { allowDefault }),
  };
}

/** The allow decision of a rule whose amounts and approval do not depend on the arguments, if it is one. */
function fixedAllow(pointer: RulePointer, limits: readonly CompiledLimit[], approval: CompiledApproval | undefined): Decision | undefined {
  if (limits.some((l) => l.incrementFrom) || approval) return undefined;
  return Object.freeze({ kind: 'allow', rule: pointer, limits, amounts: limits.map((l) => l.increment) });
}

function compileApproval(doc: NonNullable<RuleDocument['approval']>, pointer: string, problems: Problem[]): CompiledApproval {
  const spec = doc === true ? {} : doc;
  return {
    pointer,
    timeoutMs: toMilliseconds(spec.timeout ?? '15m'),
    ...(spec.message !== undefined && { message: spec.message }),
    approvers: spec.approvers ?? [],
    quorum: spec.quorum ?? 1,
    ...(spec.wait !== undefined && { wait: spec.wait }),
    when: (spec.when ?? []).flatMap((c, i) => attempt(problems, `${pointer}/when/${i}`, () => compileCondition(c, `${pointer}/when/${i}`))),
  };
}

/** Runs one compilation step; a failure (an invalid regular expression) becomes a located problem. */
function attempt<T>(problems: Problem[], pointer: string, step: () => T): T[] {
  try {
    return [step()];
  } catch (error) {
    problems.push({ pointer: `${pointer}/value`, message: `invalid regular expression: ${(error as Error).message}` });
    return [];
  }
}
