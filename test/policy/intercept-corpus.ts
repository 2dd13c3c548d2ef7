import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/**
 * The Intercept dialect corpus (test/fixtures/intercept/): cases re-written as data from Intercept's own tests,
 * validation rules and engine, each with the verdict, decisions or listing Intercept gives. Intercept's shipped files
 * are not copied: a case names one (`mirror`) and it is read from a mirror of Intercept's repository.
 */

export const CORPUS = new URL('../fixtures/intercept/', import.meta.url).pathname;

/** Where Intercept's repository is mirrored (a bare git directory); without it, cases on its files are skipped. */
export const MIRROR = process.env.INTERCEPT_MIRROR ?? '/work/.mirror/PolicyLayer+Intercept/repo';

/** The issue's classes of difference, and the plain behaviour of the document, rules, counters and shipped files. */
export const CLASSES = ['document', 'strictness', 'lenience', 'literal', 'operators', 'amounts', 'messages', 'lists', 'matching', 'state', 'shipped'] as const;

const mirrorRef = z.union([z.string().min(1), z.strictObject({ file: z.string().min(1), block: z.number().int().positive() })]);

const common = {
  id: z.string().regex(/^[a-z]+\.[a-z0-9.-]+$/, { message: 'an id is <kind>.<words-with-dashes>' }),
  class: z.enum(CLASSES),
  /** Which Intercept test, rule or file the case comes from. */
  source: z.string().min(1),
  /** Why Toolgate deliberately differs; the case then says what Toolgate does instead (`toolgate`). */
  deliberate: z.string().min(1).optional(),
  policy: z.string().min(1).optional(),
  mirror: mirrorRef.optional(),
};

const expectedError = z.strictObject({ path: z.string(), gist: z.string().min(1) });
const verdict = z.union([z.literal('valid'), z.strictObject({ invalid: z.array(expectedError).min(1) })]);

const outcome = { expect: z.enum(['allow', 'deny']), message: z.string().min(1).optional() };
const step = z.strictObject({
  tool: z.string(),
  /** Absent: the call has no `arguments` at all. */
  args: z.record(z.string(), z.unknown()).optional(),
  /** When the call is made (UTC); a step without one is made when the one before it was. */
  at: z.iso.datetime().optional(),
  /** The server answers with a JSON-RPC error, so the amounts counted are given back. */
  server: z.literal('error').optional(),
  /** The same call, made this many times, each with the same expected outcome. */
  repeat: z.number().int().min(2).optional(),
  ...outcome,
  /** Intercept's rule name for a denial, as its event log records it. */
  rule: z.string().min(1).optional(),
  toolgate: z.strictObject(outcome).optional(),
});

const policySource = (c: { policy?: string; mirror?: unknown }) => (c.policy === undefined) !== (c.mirror === undefined);
const POLICY_SOURCE = { message: 'a case has either policy (the text) or mirror (an Intercept file)' };
/** A deliberate difference names what Toolgate does instead; a case without one has nothing to override. */
const deliberateSaysWhat = (c: { deliberate?: string }, overrides: boolean) => (c.deliberate !== undefined) === overrides;
const DELIBERATE = { message: 'deliberate and toolgate go together: a deliberate case says what Toolgate does, only it does' };

export const loadCase = z
  .strictObject({ ...common, intercept: verdict, toolgate: z.enum(['valid', 'invalid']).optional() })
  .refine(policySource, POLICY_SOURCE)
  .refine((c) => deliberateSaysWhat(c, c.toolgate !== undefined), DELIBERATE);

export const decisionCase = z
  .strictObject({ ...common, calls: z.array(step).min(1) })
  .refine(policySource, POLICY_SOURCE)
  .refine((c) => deliberateSaysWhat(c, c.calls.some((s) => s.toolgate !== undefined)), DELIBERATE);

export const listingCase = z
  .strictObject({ ...common, offered: z.array(z.string()), intercept: z.array(z.string()), toolgate: z.array(z.string()).optional() })
  .refine(policySource, POLICY_SOURCE)
  .refine((c) => deliberateSaysWhat(c, c.toolgate !== undefined), DELIBERATE);

export type LoadCase = z.output<typeof loadCase>;
export type DecisionCase = z.output<typeof decisionCase>;
export type ListingCase = z.output<typeof listingCase>;
export type Step = DecisionCase['calls'][number];
export type Case = ({ kind: 'load' } & LoadCase) | ({ kind: 'decision' } & DecisionCase) | ({ kind: 'listing' } & ListingCase);
export type Kind = Case['kind'];

/** A case file's kind follows from where it lives: loads/, decisions/, or listings.yaml. */
function kindOf(file: string): Kind {
  if (file.startsWith('loads/')) return 'load';
  if (file.startsWith('decisions/')) return 'decision';
  if (file === 'listings.yaml') return 'listing';
  throw new Error(`${file}: a case file lives in loads/ or decisions/, or is listings.yaml`);
}

const SCHEMA = { load: loadCase, decision: decisionCase, listing: listingCase } as const;

export interface CaseFile {
  readonly file: string;
  readonly cases: Case[];
  /** Why a file or a case in it is not well formed; empty when it is. */
  readonly problems: string[];
}

export function readCorpus(root = CORPUS): CaseFile[] {
  const files = readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => relative(root, join(root, f)))
    .sort();
  return files.map((file) => readCaseFile(root, file));
}

function readCaseFile(root: string, file: string): CaseFile {
  const problems: string[] = [];
  const cases: Case[] = [];
  let kind: Kind;
  let raw: unknown;
  try {
    kind = kindOf(file);
    raw = parseYaml(readFileSync(join(root, file), 'utf8'));
  } catch (error) {
    return { file, cases, problems: [(error as Error).message] };
  }
  if (!Array.isArray(raw)) return { file, cases, problems: ['a case file is a list of cases'] };
  raw.forEach((item, i) => {
    const parsed = SCHEMA[kind].safeParse(item);
    if (parsed.success) cases.push({ kind, ...parsed.data } as Case);
    else problems.push(`case ${i} (${(item as { id?: string })?.id ?? 'no id'}): ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '/'}: ${issue.message}`).join('; ')}`);
  });
  return { file, cases, problems };
}

export function mirrorAvailable(): boolean {
  return existsSync(MIRROR);
}

/** The text of a policy a case names: its own, or an Intercept file (a Markdown file's N-th yaml block). */
export function policyText(c: Case): string {
  if (c.policy !== undefined) return c.policy;
  const ref = c.mirror!;
  const file = typeof ref === 'string' ? ref : ref.file;
  const text = execFileSync('git', ['-C', MIRROR, 'show', `HEAD:${file}`], { encoding: 'utf8' });
  if (typeof ref === 'string') return text;
  const blocks = [...text.matchAll(/^```yaml\n([\s\S]*?)^```/gm)].map((m) => m[1]!);
  const block = blocks[ref.block - 1];
  if (block === undefined) throw new Error(`${file} has ${blocks.length} yaml blocks, not ${ref.block}`);
  return block;
}
