import { findingsOf, type Finding } from './findings.js';
import type { ToolDefinition } from './tool-definition.js';
import {
  ACCESS_NOUNS,
  ANSWER_NOUNS,
  BROWSER_ACTS,
  BROWSER_WORDS,
  CODE_INSPECTING_VERBS,
  BULK_WORDS,
  CLASSES,
  CODE_ARGUMENTS,
  CODE_NOUNS,
  CONFIGURATION_NOUNS,
  DELIVERY_PHRASES,
  DESTROYING_PHRASES,
  FORCE_WORDS,
  EXECUTION_PHRASES,
  EXPORTING_VERBS,
  FILTER_ARGUMENTS,
  INFORMATION_NOUNS,
  IRREVERSIBLE_PHRASES,
  MESSAGE_NOUNS,
  BANK_ARGUMENTS,
  DEMANDING_VERBS,
  MONEY_ARGUMENTS,
  MONEY_DEMANDS,
  MONEY_LEAVING,
  MONEY_PHRASES,
  MONEY_NOUNS,
  MONEY_VERBS,
  OPERATION_ARGUMENTS,
  RECIPIENT_ARGUMENTS,
  RECORDING_VERBS,
  RUNNABLE_NOUNS,
  RUNNING_NOUNS,
  SECRET_NOUNS,
  SECRET_READS,
  SENDING_VERBS,
  SENSITIVE_NOUNS,
  SEVERITIES,
  STOPPING_VERBS,
  STORE_NOUNS,
  TRIVIAL_NOUNS,
  TRIVIAL_VERBS,
  UNRESTARTABLE_NOUNS,
  URL_ARGUMENTS,
  VAGUE_VERBS,
  VERBS,
  WEAK_VERBS,
  WHOLESALE_VERBS,
  type RiskClass,
  type Severity,
} from './vocabulary.js';
import { baseForms, nameWords, splitWords } from './words.js';

export type { RiskClass, Severity };

/** What one tool is, as far as its definition shows, and why. */
export interface Classification {
  class: RiskClass;
  severity: Severity;
  /** The evidence, in the order it was weighed: each names what it saw. */
  rationale: string[];
  /** Signs of poisoning, and contradictions between what a tool declares and what it shows. */
  findings: (Finding | Contradiction)[];
  /** A consolidated tool's operations (`issue_write` with `method`), each classified on its own. */
  operations?: { argument: string; values: Record<string, { class: RiskClass; severity: Severity }> };
}

export interface Contradiction {
  kind: 'contradiction';
  where: 'annotations';
  text: string;
}

export interface ClassifyContext {
  /** The server's name: a tool name that starts with it is read without it. */
  server?: string;
  /** The tools of the other servers behind the gateway: a description naming one is a cross-tool finding. */
  otherTools?: ReadonlySet<string>;
  /** The same server's tool names (and titles): a description may name these without a cross-tool finding. */
  siblings?: ReadonlySet<string>;
}

/**
 * Classifies a tool from its definition alone: pure and deterministic, the same definition always gets the same
 * answer. The class comes from the name's verb (or the description's, when the name has none), raised by what the
 * nouns, the arguments, the description and the annotations show; annotations raise, never lower. Severity starts
 * from the class and rises with credentials and access, money, irreversibility, messages to people, bulk, code,
 * open-world reach and findings.
 */
export function classify(tool: ToolDefinition, context: ClassifyContext = {}): Classification {
  const words = nameWords(tool.name, context.server);
  const description = tool.description ?? '';
  const properties = propertiesOf(tool.inputSchema);
  const argumentNames = Object.keys(properties).map((name) => splitWords(name).join('_'));
  const evidence = new Evidence();

  const named = verbOf(words);
  // A writing verb inside a name that ends in what it reports (`day_wise_positive_reply_stats`) qualifies that noun:
  // the head noun says what the tool does. A more dangerous verb keeps its class wherever it stands.
  const qualifies = named?.inner === true && VERBS[named.word] === 'Write' && INFORMATION_NOUNS.has(words.at(-1) ?? '');
  const verb = (qualifies ? undefined : named) ?? describedVerb(description);
  const head = words.filter((word) => !(word in VERBS)).at(-1);
  // A verb that may or may not change anything (`open_nodes`, `trigger-…`, a noun-verb like `network_request`) shows
  // no write, so a server's readOnlyHint does not contradict it: the hint settles what the verb leaves open.
  const openVerb = verb !== undefined && VERBS[verb.word] === 'Write' && (VAGUE_VERBS.has(verb.word) || WEAK_VERBS.has(verb.word));
  if (verb && openVerb && tool.annotations?.readOnlyHint === true) evidence.saw('Read', `'${verb.word}' may only read; the server declares it read-only (readOnlyHint)`);
  else if (verb) evidence.saw(VERBS[verb.word]!, verb.why);
  else if (head && INFORMATION_NOUNS.has(head)) evidence.saw('Read', `name ends with '${head}': it tells, it does not change`);
  else if (tool.annotations?.readOnlyHint === true) evidence.saw('Read', 'no verb says what it does; the server declares it read-only (readOnlyHint)');
  else evidence.saw('Write', 'no verb in the name or description says what it does: taken to change something');
  const running = words.find((word) => RUNNING_NOUNS.has(word));
  if (verb && STOPPING_VERBS.has(verb.word) && running) {
    // Killing a process or a query stops it; nothing stored is lost.
    evidence.class = 'Write';
    evidence.rationale.push(`what it ${verb.word}s is a running '${running}', not stored data`);
  }

  if (verb?.word === 'generate' && head && SECRET_NOUNS.has(head)) evidence.saw('Write', `it generates a '${head}': a new credential`);
  applyNounsAndArguments(evidence, words, argumentNames, description, verb?.word);
  // Starting or running something that answers (a model's inference, a sampling or elicitation request to the
  // client) asks a question: nothing changes.
  const answer = words.find((word) => ANSWER_NOUNS.has(word));
  if (answer && evidence.class === 'Write' && verb && (VAGUE_VERBS.has(verb.word) || VERBS[verb.word] === 'Execute')) {
    evidence.class = 'Read';
    evidence.rationale.push(`what it ${verb.word}s is a request for an answer ('${answer}'): nothing changes`);
  }
  // After the nouns and arguments: a click in a browser is not "running something that is not code".
  const browser = [...words, ...splitWords(context.server ?? '')].find((word) => BROWSER_WORDS.has(word));
  if (browser && verb && BROWSER_ACTS.has(verb.word)) evidence.saw('Execute', `it acts in a browser ('${browser}') as its user`);
  const codeAction = codeActionOf(tool.inputSchema);
  if (codeAction) evidence.saw('Execute', `\`${codeAction.argument}\` accepts '${codeAction.value}'`);
  const billing = evidence.class === 'Write' ? billingOptionOf(properties) : undefined;
  if (billing) evidence.saw('Financial', `\`${billing.argument}\` accepts '${billing.value}': it can bill at once`);
  const delivered = evidence.class === 'Read' ? firstMatch(DELIVERY_PHRASES, description) : undefined;
  if (delivered) evidence.saw('Write', `description: '${delivered[0]}': it sends to people`);
  const moneyNoun = words.find((word) => MONEY_NOUNS.has(word));
  if (verb && MONEY_VERBS.has(verb.word) && moneyNoun) evidence.saw('Financial', `it ${verb.word}s '${moneyNoun}': money moves`);
  if (evidence.class === 'Write') {
    const irreversible = firstMatch(IRREVERSIBLE_PHRASES, description) ?? firstMatch(DESTROYING_PHRASES, description);
    if (irreversible) evidence.saw('Destructive', `description: '${irreversible[0]}'`);
    const force = words.find((word) => FORCE_WORDS.has(word));
    if (force) evidence.saw('Destructive', `'${force}': it overrides what it would otherwise keep`);
  }
  const hints = tool.annotations ?? {};

  const operations = operationsOf(properties, words, argumentNames, description, verbOf(words));
  if (operations) {
    const worst = Object.entries(operations.values).sort(([, a], [, b]) => rank(b.class) - rank(a.class))[0]!;
    evidence.saw(worst[1].class, `\`${operations.argument}\` accepts '${worst[0]}'`);
  }

  const findings: Classification['findings'] = findingsOf(tool, { otherTools: context.otherTools, siblings: context.siblings, server: context.server });
  if (hints.readOnlyHint === true && evidence.class !== 'Read') {
    findings.push({ kind: 'contradiction', where: 'annotations', text: `readOnlyHint is true, but it is ${article(evidence.class)} ${evidence.class} tool` });
  }
  if (hints.destructiveHint === false && evidence.class === 'Destructive') {
    findings.push({ kind: 'contradiction', where: 'annotations', text: 'destructiveHint is false, but it is a Destructive tool' });
  }

  const poisoned = findings.some((finding) => finding.kind !== 'contradiction');
  const severity = severityOf(evidence.class, { words, verb: verb?.word, argumentNames, description, poisoned }, evidence.rationale, operations);
  return { class: evidence.class, severity, rationale: evidence.rationale, findings, ...(operations && { operations }) };
}

/** The evidence for a class: the most dangerous class seen wins, and every reason is kept. */
class Evidence {
  class: RiskClass = 'Read';
  readonly rationale: string[] = [];
  private seen = false;

  saw(riskClass: RiskClass, why: string): void {
    if (!this.seen || rank(riskClass) > rank(this.class)) this.class = riskClass;
    this.seen = true;
    this.rationale.push(why);
  }
}

/** How dangerous a class is, for taking the worst of several. */
export function rank(riskClass: RiskClass): number {
  return CLASSES.indexOf(riskClass);
}

function verbOf(words: string[]): { word: string; why: string; inner?: boolean } | undefined {
  const isVerb = (word: string, weak: boolean) => word in VERBS && WEAK_VERBS.has(word) === weak;
  for (const weak of [false, true]) {
    if (words.length > 0 && isVerb(words[0]!, weak)) return joined(words, 0, (w) => (w in VERBS ? w : undefined)) ?? { word: words[0]!, why: `name begins with the verb '${words[0]}'` };
    const last = words.at(-1);
    if (last !== undefined && words.length > 1 && isVerb(last, weak)) return { word: last, why: `name ends with the verb '${last}'` };
    const inner = words.findIndex((word) => isVerb(word, weak));
    if (inner >= 0) return joined(words, inner, (w) => (w in VERBS ? w : undefined)) ?? { word: words[inner]!, why: `name has the verb '${words[inner]}'`, inner: true };
  }
  return undefined;
}

/** The verb a description starts with ("Deletes a record", "Use this to create …"). */
function describedVerb(description: string): { word: string; why: string } | undefined {
  const words = splitWords(description).slice(0, 6);
  const base = (word: string) => baseForms(word).find((form) => form in VERBS && !WEAK_VERBS.has(form));
  const at = words.findIndex((word) => base(word) !== undefined);
  if (at < 0) return undefined;
  return joined(words, at, base, 'description') ?? { word: base(words[at]!)!, why: `description says '${words[at]}'` };
}

/**
 * Verbs joined by "or"/"and" (`get_or_create_folder`, "Read or update …") both happen: the more dangerous one is
 * what the tool may do.
 */
function joined(words: string[], at: number, base: (word: string) => string | undefined, where = 'name'): { word: string; why: string } | undefined {
  const first = base(words[at]!);
  const second = ['or', 'and'].includes(words[at + 1] ?? '') ? base(words[at + 2] ?? '') : undefined;
  if (!first || !second || rank(VERBS[second]!) <= rank(VERBS[first]!)) return undefined;
  return { word: second, why: `${where} says '${words.slice(at, at + 3).join(' ')}': it may ${second}` };
}


function applyNounsAndArguments(evidence: Evidence, words: string[], argumentNames: string[], description: string, verb?: string): void {
  const runs = evidence.class === 'Execute';
  const codeNoun = words.find((word) => CODE_NOUNS.has(word));
  // Code handed to a verb that stores it (put, create, schedule) is deployed, not run now; code handed to one that
  // examines it (validate, lint, explain) is read. Other verbs, and none, are taken to run it.
  const keepsCode = verb !== undefined && (VERBS[verb] === 'Write' || CODE_INSPECTING_VERBS.has(verb));
  const codeArgument = keepsCode ? undefined : argumentNames.find((name) => CODE_ARGUMENTS.has(name));
  // A statement the caller writes is run as written: a server's "read-only" is its own claim, not one the gateway
  // can hold it to (a statement can end the read-only transaction it is wrapped in).
  const sqlArgument = !keepsCode && argumentNames.includes('sql');
  const phrase = firstMatch(EXECUTION_PHRASES, description);
  if (runs && !codeNoun && !codeArgument && !phrase && !['exec', 'execute', 'eval', 'shell', 'bash', 'sh', 'script', 'interpret'].includes(words.find((w) => VERBS[w] === 'Execute') ?? '')) {
    // "run_report": running something that is not code is a change, not an execution.
    evidence.class = 'Write';
    evidence.rationale.push('what it runs is not code');
  }
  if (codeArgument) evidence.saw('Execute', `argument \`${codeArgument}\` carries code or a command to run`);
  const runnable = words.find((word) => RUNNABLE_NOUNS.has(word));
  if (verb && VAGUE_VERBS.has(verb) && runnable) evidence.saw('Execute', `it ${verb}s a '${runnable}': code runs`);
  const lasting = words.find((word) => UNRESTARTABLE_NOUNS.has(word));
  if (verb === 'cancel' && lasting) evidence.saw('Destructive', `a cancelled '${lasting}' cannot be reactivated`);
  if (sqlArgument) evidence.saw('Execute', 'argument `sql` carries a statement to run');
  if (phrase) evidence.saw('Execute', `description: '${phrase[0]}'`);
  if (evidence.class === 'Write') {
    // The head noun (English compounds end with it) says what is made or changed: a refund moves money, a
    // payment link does not; nor does a price, a coupon or a bookkeeping entry with an amount.
    const last = words.at(-1);
    const head = last === verb && !MONEY_NOUNS.has(last ?? '') ? words.at(-2) : last;
    // Bookkeeping (record, reconcile) writes down money that moved; it moves none.
    const records = verb !== undefined && RECORDING_VERBS.has(verb);
    if (head && MONEY_NOUNS.has(head) && !records) evidence.saw('Financial', `it makes or changes '${head}': money`);
    const amount = records ? undefined : argumentNames.find((name) => MONEY_ARGUMENTS.has(name));
    if (amount) evidence.saw('Financial', `argument \`${amount}\` is an amount of money`);
    const demand = words.find((word) => MONEY_DEMANDS.has(word));
    if (demand && verb && DEMANDING_VERBS.has(verb)) evidence.saw('Financial', `it ${verb}s '${demand}': a demand for payment`);
    const bank = argumentNames.find((name) => BANK_ARGUMENTS.has(name));
    if (bank) evidence.saw('Financial', `argument \`${bank}\` says where money goes`);
    const paid = firstMatch(MONEY_PHRASES, description);
    if (paid) evidence.saw('Financial', `description: '${paid[0]}'`);
  }
}

function operationsOf(
  properties: Record<string, unknown>,
  words: string[],
  argumentNames: string[],
  description: string,
  toolVerb: { word: string; why: string } | undefined,
): Classification['operations'] {
  for (const [argument, schema] of Object.entries(properties)) {
    if (!OPERATION_ARGUMENTS.has(argument.toLowerCase())) continue;
    // On a tool named for reading, a `type` or `mode` filters what is read; it picks no operation.
    if (toolVerb && VERBS[toolVerb.word] === 'Read' && FILTER_ARGUMENTS.has(argument.toLowerCase())) continue;
    const values = enumOf(schema);
    const own = values.map((value) => verbOf(splitWords(value)));
    if (own.filter(Boolean).length < 2) continue;
    // A value without a verb does what the tool's name says (`issue_read` with `method: comments` reads them).
    const verbs = own.map((verb) => verb ?? toolVerb);
    const classified: Record<string, { class: RiskClass; severity: Severity }> = {};
    values.forEach((value, i) => {
      const evidence = new Evidence();
      evidence.saw(verbs[i] ? VERBS[verbs[i]!.word]! : 'Write', verbs[i]?.why ?? 'no verb');
      applyNounsAndArguments(evidence, [...splitWords(value), ...words.filter((w) => !(w in VERBS))], argumentNames, description, verbs[i]?.word);
      classified[value] = { class: evidence.class, severity: baseSeverity(evidence.class) };
    });
    return { argument, values: classified };
  }
  return undefined;
}

/** What severity is weighed from, besides the class. */
interface SeverityEvidence {
  words: string[];
  verb: string | undefined;
  argumentNames: string[];
  description: string;
  /** Signs of poisoning (a contradiction is not one: the class already says what the tool does). */
  poisoned: boolean;
}

/**
 * Severity starts from the class and rises with what is at stake. The annotations `destructiveHint: true` and
 * `openWorldHint: true` are the MCP specification's defaults for a tool that is not read-only, so they say nothing
 * an absent annotation does not: the class already reflects them, and they do not raise.
 */
function severityOf(riskClass: RiskClass, evidence: SeverityEvidence, rationale: string[], operations: Classification['operations']): Severity {
  const { words, verb, argumentNames, description } = evidence;
  let level = SEVERITIES.indexOf(baseSeverity(riskClass));
  const raise = (to: number, why: string) => {
    if (to > level) {
      level = Math.min(to, SEVERITIES.length - 1);
      rationale.push(why);
    }
  };
  const head = words.filter((word) => word !== verb).at(-1);
  const access = words.find((word) => ACCESS_NOUNS.has(word));
  const secret = words.find((word) => SECRET_NOUNS.has(word) || SECRET_READS.has(word));
  const bulk = words.find((word) => BULK_WORDS.has(word));
  const irreversible = firstMatch(IRREVERSIBLE_PHRASES, description);
  const url = argumentNames.find((name) => URL_ARGUMENTS.has(name));
  if (riskClass === 'Read') {
    const sensitive = words.find((word) => SENSITIVE_NOUNS.has(word) || MONEY_NOUNS.has(word));
    if (sensitive) raise(1, `it reads '${sensitive}': personal or business data`);
    if (secret) raise(2, `it reads '${secret}': a credential or a secret`);
    if (verb && EXPORTING_VERBS.has(verb)) raise(2, `it ${verb}s data in bulk`);
  } else {
    if (riskClass === 'Write' && verb && (TRIVIAL_VERBS.has(verb) || (head !== undefined && TRIVIAL_NOUNS.has(head) && !(head in VERBS && head === verb)))) {
      level = 0;
      rationale.push(TRIVIAL_VERBS.has(verb) ? `'${verb}' is a trivial, reversible change` : `a new '${head}' is a trivial, reversible change`);
    }
    if (access) raise(2, `it touches '${access}': credentials or access`);
    const message = words.find((word) => MESSAGE_NOUNS.has(word)) ?? argumentNames.find((name) => RECIPIENT_ARGUMENTS.has(name));
    if (message && verb && SENDING_VERBS.has(verb) && riskClass !== 'Execute') raise(2, `it sends '${message}' to people`);
    if (rationale.some((why) => why.endsWith('it sends to people'))) raise(2, 'it sends to people');
  }
  if (url) raise(2, `argument \`${url}\` reaches any address`);
  if (bulk) raise(level + 1, `'${bulk}': one call touches many`);
  if (irreversible && riskClass !== 'Read') raise(3, `description: '${irreversible[0]}'`);
  if (argumentNames.includes('force')) raise(level + 1, 'argument `force` skips its safeguards');
  if (riskClass === 'Execute' && rationale.some((why) => why.includes('code') || why.includes('command') || why.includes('statement'))) raise(3, 'it runs code it is given');
  if (riskClass === 'Financial' && words.some((word) => MONEY_LEAVING.has(word))) raise(3, 'money leaves');
  if (riskClass === 'Destructive') {
    // Removing one piece of configuration is undone by adding it again; a whole store of data is not.
    if (head && CONFIGURATION_NOUNS.has(head) && !irreversible && !bulk) {
      level = 1;
      rationale.push(`a '${head}' removed is configuration, made again by adding it`);
    }
    const store = words.find((word) => STORE_NOUNS.has(word));
    if (store) raise(3, `it destroys a whole '${store}'`);
    if (bulk || (verb && WHOLESALE_VERBS.has(verb))) raise(3, 'it destroys many things at once');
  }
  if (evidence.poisoned) raise(level + 1, 'its definition has signs of poisoning');
  if (operations) for (const value of Object.values(operations.values)) value.severity = SEVERITIES[Math.max(SEVERITIES.indexOf(value.severity), rank(value.class) >= rank(riskClass) ? level : 0)]!;
  return SEVERITIES[level]!;
}

/** The first of the patterns that matches the text, and its match. */
function firstMatch(patterns: readonly RegExp[], text: string): RegExpExecArray | undefined {
  for (const pattern of patterns) {
    const match = pattern.exec(text);
    if (match) return match;
  }
  return undefined;
}

function baseSeverity(riskClass: RiskClass): Severity {
  return riskClass === 'Read' ? 'Low' : riskClass === 'Write' ? 'Medium' : 'High';
}

/** An argument (not one that picks the operation) with a value that bills or charges (`proration_behavior: always_invoice`). */
function billingOptionOf(properties: Record<string, unknown>): { argument: string; value: string } | undefined {
  for (const [argument, schema] of Object.entries(properties)) {
    if (OPERATION_ARGUMENTS.has(argument.toLowerCase())) continue;
    const value = enumOf(schema).find((v) => splitWords(v).some((word) => VERBS[word] === 'Financial'));
    if (value) return { argument, value };
  }
  return undefined;
}

/** An enum value anywhere in the input schema that names running code (`actions[].type: executeJavascript`). */
function codeActionOf(schema: unknown, argument = ''): { argument: string; value: string } | undefined {
  if (typeof schema !== 'object' || schema === null) return undefined;
  const node = schema as Record<string, unknown>;
  for (const value of enumOf(node)) {
    const words = splitWords(value);
    if (argument && words.some((w) => VERBS[w] === 'Execute') && words.some((w) => CODE_NOUNS.has(w))) return { argument, value };
  }
  for (const [key, child] of Object.entries(node)) {
    const found = codeActionOf(child, key === 'properties' || key === 'items' ? argument : key);
    if (found) return found;
  }
  return undefined;
}

function propertiesOf(schema: unknown): Record<string, unknown> {
  const properties = (schema as { properties?: unknown } | undefined)?.properties;
  return typeof properties === 'object' && properties !== null ? (properties as Record<string, unknown>) : {};
}

function enumOf(schema: unknown): string[] {
  const node = schema as { enum?: unknown; oneOf?: { const?: unknown }[]; items?: unknown } | undefined;
  if (Array.isArray(node?.enum)) return node.enum.filter((v): v is string => typeof v === 'string');
  if (Array.isArray(node?.oneOf)) return node.oneOf.map((o) => o.const).filter((v): v is string => typeof v === 'string');
  return [];
}

function article(riskClass: RiskClass): string {
  return /^[AEIOU]/.test(riskClass) ? 'an' : 'a';
}
