import type { Classification } from './classify.js';

/** A classification's evidence and findings, in one line: what `toolgate catalog` prints and `init` writes down. */
export function reasonsOf(classification: Pick<Classification, 'rationale' | 'findings'>): string {
  return [...classification.rationale, ...classification.findings.map((f) => `finding (${f.kind}): ${f.text}`)].join('; ');
}
