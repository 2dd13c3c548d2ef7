import type { z } from 'zod';
import { documentWords, reportedBranch } from './issue-words.js';

/** One JSON pointer segment, escaped as RFC 6901 says. */
export function segment(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}

export function toPointer(path: readonly PropertyKey[]): string {
  return path.map((key) => '/' + segment(String(key))).join('');
}

/** Each issue at its path; a union these words gave no message of its own is reported by the branch that was meant. */
function describeIssues(issues: readonly z.core.$ZodIssue[], at: readonly PropertyKey[] = []): Problem[] {
  return issues.flatMap((issue) => {
    const path = [...at, ...issue.path];
    const branch = reportedBranch(issue);
    return branch ? describeIssues(branch, path) : [{ pointer: toPointer(path), message: issue.message }];
  });
}

/**
 * The one way a document is validated: `schema` read with the project's words for every issue, or a DocumentError
 * naming `file` and each problem's place (`locate` maps a pointer in what was parsed to one in what was written).
 */
export function parseDocument<T extends z.ZodType>(schema: T, value: unknown, file: string, locate: (pointer: string) => string = (pointer) => pointer): z.output<T> {
  const parsed = schema.safeParse(value, { error: documentWords });
  if (parsed.success) return parsed.data;
  throw new DocumentError(file, describeIssues(parsed.error.issues).map((p) => ({ ...p, pointer: locate(p.pointer) })));
}

/** A problem in a document (a configuration or a policy), located by JSON pointer. */
export interface Problem {
  pointer: string;
  message: string;
}

/** A document that cannot be used, with every problem found, worded for the person who wrote it. */
export class DocumentError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly Problem[],
  ) {
    super(problems.map((p) => `${file}: ${p.pointer || '/'}: ${p.message}`).join('\n'));
    this.name = 'DocumentError';
  }
}
