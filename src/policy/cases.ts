import { z } from 'zod';
import { parseDocument } from '../documents/errors.js';
import { readDocumentText } from '../documents/read-text.js';
import type { CompiledPolicy } from './compile.js';
import { decide } from './decide.js';
import type { Decision } from './decision.js';

/**
 * A cases file for `policy test`: calls and the decisions a policy must give them, so a policy can be checked in
 * CI before it goes live. `rule` and `message` are optional and checked when given (`message` as a substring).
 */
const caseSchema = z.strictObject({
  name: z.string().optional(),
  tool: z.string().min(1),
  args: z.unknown().optional(),
  expect: z.enum(['allow', 'deny', 'hidden'], { message: 'expect is allow, deny or hidden' }),
  rule: z.string().optional(),
  message: z.string().optional(),
});
const casesSchema = z.union([z.array(caseSchema), z.strictObject({ cases: z.array(caseSchema) }).transform((d) => d.cases)]);

export type PolicyCase = z.output<typeof caseSchema>;

export interface CaseResult {
  case: PolicyCase;
  decision: Decision;
  passed: boolean;
  /** What differed, when the case failed. */
  failures: string[];
}

export function parseCases(text: string, source: string): PolicyCase[] {
  return parseDocument(casesSchema, readDocumentText(text, source), source);
}

export function runCases(policy: CompiledPolicy, cases: readonly PolicyCase[]): CaseResult[] {
  return cases.map((c) => {
    const decision = decide(policy, { tool: c.tool, args: c.args ?? {} });
    const failures: string[] = [];
    // A rule is a pointer (`/tools/x`) or a name that wears its own parentheses (`(default deny)`).
    const rule = decision.rule.startsWith('(') ? decision.rule : `(${decision.rule})`;
    if (decision.kind !== c.expect) failures.push(`expected ${c.expect}, got ${decision.kind} ${rule}`);
    if (c.rule !== undefined && decision.rule !== c.rule) failures.push(`expected rule ${c.rule}, got ${decision.rule}`);
    const message = decision.kind === 'allow' ? '' : decision.message;
    if (c.message !== undefined && !message.includes(c.message)) failures.push(`expected a message containing ${JSON.stringify(c.message)}, got ${JSON.stringify(message)}`);
    return { case: c, decision, passed: failures.length === 0, failures };
  });
}
