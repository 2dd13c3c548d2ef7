import { canonical } from '../documents/canonical-json.js';
import { classify, rank, type ClassifyContext, type Classification } from './classify.js';
import type { PinnedDefinition } from './pinned-definition.js';
import { SEVERITIES } from './vocabulary.js';

/** One thing a new definition of a tool introduces over the pinned one. */
export type DefinitionChange =
  /** Descriptive text: the title, the description, an argument's description or title. */
  | { kind: 'wording'; where: string; before?: string; after?: string }
  | { kind: 'argument-added'; argument: string; required: boolean }
  | { kind: 'argument-removed'; argument: string }
  /** An argument's type, enum, format, default… anything but its wording. */
  | { kind: 'argument-schema'; argument: string }
  | { kind: 'required'; argument: string; required: boolean }
  /** Anything else in the input or output schema. */
  | { kind: 'schema'; where: 'inputSchema' | 'outputSchema' }
  | { kind: 'annotation'; hint: string; before?: unknown; after?: unknown }
  /** A poisoning finding or contradiction the pinned definition did not have. */
  | { kind: 'finding'; finding: Classification['findings'][number] }
  /** The classifier now rates the tool as more dangerous. */
  | { kind: 'risk'; before: Pick<Classification, 'class' | 'severity'>; after: Pick<Classification, 'class' | 'severity'> };

type Schema = Record<string, unknown>;
const WORDING_KEYS: ReadonlySet<string> = new Set(['description', 'title']);

/**
 * What `after` introduces over `before`, the pinned definition, in a fixed order: wording, arguments, schema,
 * annotations, then what the classifier makes of it (new findings, a higher class or severity). Pure: the same two
 * definitions always give the same list.
 */
export function definitionChanges(before: PinnedDefinition, after: PinnedDefinition, context: ClassifyContext = {}): DefinitionChange[] {
  const changes: DefinitionChange[] = [];
  wording(changes, 'title', before.title, after.title);
  wording(changes, 'description', before.description, after.description);
  inputChanges(changes, schemaOf(before.inputSchema), schemaOf(after.inputSchema));
  if (canonical(before.outputSchema) !== canonical(after.outputSchema)) changes.push({ kind: 'schema', where: 'outputSchema' });
  const hintsBefore = (before.annotations ?? {}) as Record<string, unknown>;
  const hintsAfter = (after.annotations ?? {}) as Record<string, unknown>;
  for (const hint of [...new Set([...Object.keys(hintsBefore), ...Object.keys(hintsAfter)])].sort()) {
    if (hint === 'title') wording(changes, 'annotations.title', text(hintsBefore.title), text(hintsAfter.title));
    else if (canonical(hintsBefore[hint]) !== canonical(hintsAfter[hint])) changes.push({ kind: 'annotation', hint, before: hintsBefore[hint], after: hintsAfter[hint] });
  }
  const was = classify(before, context);
  const now = classify(after, context);
  const known = new Set(was.findings.map((f) => canonical(f)));
  for (const finding of now.findings) if (!known.has(canonical(finding))) changes.push({ kind: 'finding', finding });
  if (rank(now.class) > rank(was.class) || SEVERITIES.indexOf(now.severity) > SEVERITIES.indexOf(was.severity)) {
    changes.push({ kind: 'risk', before: { class: was.class, severity: was.severity }, after: { class: now.class, severity: now.severity } });
  }
  return changes;
}

/** Whether a change is nothing but descriptive text that raises no finding and no risk: what `pinning: review` accepts. */
export function onlyWording(changes: readonly DefinitionChange[]): boolean {
  return changes.every((change) => change.kind === 'wording');
}

/** A change in a line of prose, for the CLI and the audit log. */
export function describeChange(change: DefinitionChange): string {
  switch (change.kind) {
    case 'wording':
      return `${change.where} ${change.before === undefined ? 'added' : change.after === undefined ? 'removed' : 'reworded'}`;
    case 'argument-added':
      return `new ${change.required ? 'required ' : ''}argument \`${change.argument}\``;
    case 'argument-removed':
      return `argument \`${change.argument}\` removed`;
    case 'argument-schema':
      return `argument \`${change.argument}\` takes other values`;
    case 'required':
      return `argument \`${change.argument}\` is now ${change.required ? 'required' : 'optional'}`;
    case 'schema':
      return `${change.where} changed`;
    case 'annotation':
      return `${change.hint}: ${shown(change.before)} → ${shown(change.after)}`;
    case 'finding':
      return `new finding (${change.finding.kind}) in ${change.finding.where}: "${change.finding.text}"`;
    case 'risk':
      return `now ${change.after.class}, ${change.after.severity} (was ${change.before.class}, ${change.before.severity})`;
  }
}

function inputChanges(changes: DefinitionChange[], before: Schema, after: Schema): void {
  const propsBefore = schemaOf(before.properties);
  const propsAfter = schemaOf(after.properties);
  const requiredBefore = new Set(stringsOf(before.required));
  const requiredAfter = new Set(stringsOf(after.required));
  for (const argument of [...new Set([...Object.keys(propsBefore), ...Object.keys(propsAfter)])].sort()) {
    const was = propsBefore[argument];
    const now = propsAfter[argument];
    if (was === undefined) {
      changes.push({ kind: 'argument-added', argument, required: requiredAfter.has(argument) });
      continue;
    }
    if (now === undefined) {
      changes.push({ kind: 'argument-removed', argument });
      continue;
    }
    const wasSchema = schemaOf(was);
    const nowSchema = schemaOf(now);
    for (const key of WORDING_KEYS) wording(changes, `argument \`${argument}\` ${key}`, text(wasSchema[key]), text(nowSchema[key]));
    if (canonical(withoutWording(wasSchema)) !== canonical(withoutWording(nowSchema))) changes.push({ kind: 'argument-schema', argument });
    if (requiredBefore.has(argument) !== requiredAfter.has(argument)) changes.push({ kind: 'required', argument, required: requiredAfter.has(argument) });
  }
  const rest = (schema: Schema) => canonical(withoutWording({ ...schema, properties: undefined, required: undefined }));
  if (rest(before) !== rest(after)) changes.push({ kind: 'schema', where: 'inputSchema' });
}

function wording(changes: DefinitionChange[], where: string, before: string | undefined, after: string | undefined): void {
  if (before !== after) changes.push({ kind: 'wording', where, ...(before !== undefined && { before }), ...(after !== undefined && { after }) });
}

function withoutWording(schema: Schema): Schema {
  return Object.fromEntries(Object.entries(schema).filter(([key]) => !WORDING_KEYS.has(key)));
}

function schemaOf(value: unknown): Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Schema) : {};
}

function stringsOf(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

const shown = (value: unknown) => (value === undefined ? '(unset)' : JSON.stringify(value));
