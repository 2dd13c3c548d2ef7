import type { z } from 'zod';

/** One JSON pointer segment, escaped as RFC 6901 says. */
export function segment(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}

export function toPointer(path: readonly PropertyKey[]): string {
  return path.map((key) => '/' + segment(String(key))).join('');
}

/** Words a zod issue for a person editing a file: unknown fields and bad keys say which. */
export function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `unknown field ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  if (issue.code === 'invalid_key') return `invalid name: ${issue.issues.map((inner) => inner.message).join('; ')}`;
  if (issue.code === 'invalid_type' && issue.message.endsWith('received undefined')) {
    return `required field ${JSON.stringify(String(issue.path.at(-1)))} is missing (expected ${issue.expected})`;
  }
  return issue.message;
}

export function describeIssues(issues: readonly z.core.$ZodIssue[]): Problem[] {
  return issues.map((issue) => ({ pointer: toPointer(issue.path), message: issueMessage(issue) }));
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
