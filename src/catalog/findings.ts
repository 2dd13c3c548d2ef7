import type { ToolDefinition } from './tool-definition.js';

/** Something in a definition that is aimed at the model rather than describing the tool: a sign of poisoning. */
export interface Finding {
  kind: 'instruction' | 'cross-tool' | 'exfiltration' | 'invisible' | 'confusable' | 'length';
  /** Where it is: `description`, `name`, or the argument's path (`inputSchema.properties.path.description`). */
  where: string;
  /** The text that triggered it (invisible characters shown as `U+200B`). */
  text: string;
}

/** An instruction to call or pass something: between a server's own tools it is usage, not an injection. */
const MUST = /\b(you|the (assistant|model|agent)) (must|should|need to|are required to) (always |first |also )?(read|send|include|pass|call|forward|upload|attach|copy)\b(?:[^.!?\n]|\.(?=\S))*/i;

/** Instructions to the model, as injected descriptions phrase them. */
const INSTRUCTIONS: readonly RegExp[] = [
  /\b(before|prior to|after) (using|calling|invoking|running) (this|the|any) tool\b(?:[^.!?\n]|\.(?=\S))*/i,
  /\b(do not|don't|never) (tell|inform|mention|reveal|show|notify)\b(?:[^.!?\n]|\.(?=\S))*\b(user|human|operator)\b(?:[^.!?\n]|\.(?=\S))*/i,
  /<\/?\s*(important|system|instructions?|secret|hidden)\s*>/i,
  /\bignore (all |any |the )?(previous|prior|above|earlier) (instructions|rules|messages)\b/i,
  MUST,
  /(~\/\.ssh|id_rsa|id_ed25519|\/etc\/passwd|\/etc\/shadow|\.aws\/credentials|\.env\b|mcp\.json|claude_desktop_config)/i,
  /\bwithout (asking|telling|informing|confirming with) the user\b(?:[^.!?\n]|\.(?=\S))*/i,
  /\b(do not|don't|never) ask (the user )?(for )?(confirmation|permission|consent)\b(?:[^.!?\n]|\.(?=\S))*/i,
  /\bthe user has (already )?(consented|agreed|approved)\b(?:[^.!?\n]|\.(?=\S))*/i,
  /<!--(?:[^.!?\n]|\.(?=\S))*(assistant|model|agent|ai|claude|gpt)\b(?:[^.!?\n]|\.(?=\S))*-->/i,
  /\b(api keys?|tokens?|passwords?|secrets?|credentials?|environment variables)\b(?:[^.!?\n]|\.(?=\S))*\b(you have seen|in this conversation|from the conversation|you can find)\b(?:[^.!?\n]|\.(?=\S))*/i,
  /\b(this is (very )?important|very important|critical instruction)s?\b(?:[^.!?\n]|\.(?=\S))*/i,
];

/** Talk of other tools: one tool steering the model away from, or into, another. */
const CROSS_TOOL: readonly RegExp[] = [
  /\binstead of (using |calling )?(the )?[`'"]?[\w.-]+[`'"]? tool\b/i,
  /\b(when|whenever|if) (the user|you) (call|use|invoke)s? [`'"]?[\w.-]+[`'"]?\b/i,
  /\b(call|use|invoke|run)s? (its |the )?[`'"]?[a-z][a-z0-9]*(?:_[a-z0-9]+)+[`'"]?(?:[^.!?\n]|\.(?=\S))*/,
  /\bthe [\w-]+ server(?:'s)?\b(?:[^.!?\n]|\.(?=\S))*/i,
  /\b(other|all other|any other) ([\w-]+ )?(tools?|servers?)\b(?:[^.!?\n]|\.(?=\S))*/i,
];

/** Sending data somewhere, in the text of a definition. */
const SENDING = /\b(send|post|forward|upload(ed)?|submit|report|transmit|copy|exfiltrate|share|cc|bcc|include|request|fetch|curl|wget|pipe|append|sync|mirror)\b/i;
const URL = /\b(?:https?|ftp):\/\/[^\s"'<>)]+/gi;
const EMAIL = /\b[\w.+-]+@[\w-]+(\.[\w-]+)+\b/g;
/** Hosts a description may name as an example without sending anything there (RFC 2606 names, loopback). */
const EXAMPLE_HOST = /^(?:https?|ftp):\/\/([\w-]+\.)*(example\.(com|org|net)|[\w-]+\.(example|test|invalid|localhost)|localhost|127\.0\.0\.1)([:/]|$)/i;
const EXAMPLE_DOMAIN = /@([\w-]+\.)*(example\.(com|org|net)|[\w-]+\.(example|test|invalid|localhost))$/i;
/** Words that introduce an address as an illustration. */
const AS_AN_EXAMPLE = /\b(e\.g\.|for example|for instance|such as|like)[\s:,(]*$/i;

/** Zero-width, bidirectional-control, tag and other invisible characters. */
const INVISIBLE = /[\u00AD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\u3164\uFEFF\uFFA0]|[\u{E0000}-\u{E007F}]/u;

/** A description longer than this is far past what documents a tool, and room to hide instructions in. */
export const LONG_DESCRIPTION = 2_000;

/** What a definition's text is read against. */
export interface FindingsContext {
  /** Tools elsewhere behind the gateway: a description naming one is a cross-tool finding. */
  otherTools?: ReadonlySet<string>;
  /**
   * The names (and titles) of the same server's tools. A server documents how its own tools go together ("call
   * resolve_library first", "use read_media_file instead"): steering between siblings is not one tool reaching into
   * another's.
   */
  siblings?: ReadonlySet<string>;
  /** The server's name: "the MCP server", "the <server> server" and its own web domain are itself, not another. */
  server?: string;
}

/** The names and titles of one server's tools: what its descriptions may name as siblings. */
export function siblingsOf(tools: readonly ToolDefinition[]): Set<string> {
  return new Set(tools.flatMap((tool) => [tool.name, tool.title ?? tool.annotations?.title].filter((name): name is string => Boolean(name))));
}

/** Every finding in a definition: in its name, its description and every description in its input schema. */
export function findingsOf(tool: ToolDefinition, context: FindingsContext = {}): Finding[] {
  const { otherTools = NONE, siblings = NONE } = context;
  const own = ownWords(context.server);
  const findings: Finding[] = [];
  if (/[^\x20-\x7E]/.test(tool.name)) {
    const odd = [...tool.name].filter((c) => !/[\x20-\x7E]/.test(c));
    findings.push({ kind: INVISIBLE.test(tool.name) ? 'invisible' : 'confusable', where: 'name', text: odd.map(show).join(' ') });
  }
  for (const [where, text] of texts(tool)) {
    // A zero-width joiner between emoji is how emoji sequences are written, not a hidden character.
    const invisible = [...text.replace(/(\p{Extended_Pictographic}\uFE0F?)\u200D(?=\p{Extended_Pictographic})/gu, '$1')].filter((c) => INVISIBLE.test(c));
    if (invisible.length > 0) findings.push({ kind: 'invisible', where, text: [...new Set(invisible)].map(show).join(' ') });
    for (const pattern of INSTRUCTIONS) {
      const match = pattern.exec(text);
      if (match && !(pattern === MUST && onlySiblings(match[0], siblings, tool.name))) findings.push({ kind: 'instruction', where, text: match[0].trim() });
    }
    for (const pattern of CROSS_TOOL) {
      const match = pattern.exec(text);
      if (match && !onlySiblings(match[0], siblings, tool.name) && !namesItsOwnServer(match[0], own)) findings.push({ kind: 'cross-tool', where, text: match[0].trim() });
    }
    const mentioned = mentionsOf(otherTools);
    if (mentioned) for (const [other] of text.matchAll(mentioned)) if (other !== tool.name && !siblings.has(other)) findings.push({ kind: 'cross-tool', where, text: other });
    const emails = (text.match(EMAIL) ?? []).filter((address) => !EXAMPLE_DOMAIN.test(address));
    const urls = [...text.matchAll(URL)]
      .filter((m) => !EXAMPLE_HOST.test(m[0]) && !AS_AN_EXAMPLE.test(text.slice(Math.max(0, m.index - 24), m.index)) && !onOwnDomain(m[0], own))
      .map((m) => m[0]);
    for (const address of emails) findings.push({ kind: 'exfiltration', where, text: address });
    if (SENDING.test(text)) for (const url of urls) findings.push({ kind: 'exfiltration', where, text: url });
    if (text.length > LONG_DESCRIPTION) findings.push({ kind: 'length', where, text: `${text.length} characters` });
  }
  return dedupe(findings);
}

const NONE: ReadonlySet<string> = new Set();

/**
 * Tool-like names in a matched text: a quoted title before "tool" ('Query Documentation' tool), `snake_case` and
 * `dotted.names`, and `kebab-names` (which are also ordinary compounds, so they count only when they are siblings).
 */
const TOOL_NAMES = /['"]([^'"]+)['"](?=\s+tool)|([A-Za-z][A-Za-z0-9]+(?:[_.][A-Za-z0-9]{2,})+)|([A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)+)/g;

/** Whether the text names a tool, and every tool it names is this one or one of its server's own (URLs aside). */
function onlySiblings(text: string, siblings: ReadonlySet<string>, self: string): boolean {
  const named = [...text.replace(URL, '').matchAll(TOOL_NAMES)].filter((m) => m[3] === undefined || siblings.has(m[3])).map((m) => m[1] ?? m[2] ?? m[3]!);
  return named.length > 0 && named.every((name) => name === self || siblings.has(name));
}

/** The words of the server's own name (`firecrawl`), by which it names itself and its web domain. */
function ownWords(server: string | undefined): string[] {
  return server ? server.toLowerCase().split(/[^a-z0-9]+/).filter((word) => word.length > 2) : [];
}

/** "the MCP server", "the Playwright server": a server speaking of itself. */
function namesItsOwnServer(text: string, own: string[]): boolean {
  const named = /\bthe ([\w-]+) server\b/i.exec(text)?.[1]?.toLowerCase();
  return named !== undefined && (named === 'mcp' || own.includes(named));
}

/** A link to the server's own web domain (`docs.firecrawl.dev` for `firecrawl`) sends nothing elsewhere. */
function onOwnDomain(url: string, own: string[]): boolean {
  const labels = /^\w+:\/\/([^/:?#]+)/.exec(url)?.[1]?.toLowerCase().split('.').slice(0, -1) ?? [];
  return own.some((word) => labels.includes(word));
}

/** The texts of a definition a model reads, with where each is. */
function texts(tool: ToolDefinition): [string, string][] {
  const found: [string, string][] = [];
  if (tool.title) found.push(['title', tool.title]);
  if (tool.description) found.push(['description', tool.description]);
  const walk = (schema: unknown, path: string): void => {
    if (typeof schema !== 'object' || schema === null) return;
    for (const [key, value] of Object.entries(schema)) {
      if ((key === 'description' || key === 'title') && typeof value === 'string') found.push([`${path}.${key}`, value]);
      else if (typeof value === 'object') walk(value, `${path}.${key}`);
    }
  };
  walk(tool.inputSchema, 'inputSchema');
  return found;
}

function show(char: string): string {
  return INVISIBLE.test(char) || /\s/.test(char) ? `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}` : char;
}

/** One pattern for every name in a set (built once per set: a catalogue passes the same set for every tool). */
const mentionPatterns = new WeakMap<ReadonlySet<string>, RegExp | undefined>();

function mentionsOf(names: ReadonlySet<string>): RegExp | undefined {
  if (!mentionPatterns.has(names)) {
    const usable = [...names].filter((name) => name.length > 3).sort((a, b) => b.length - a.length).map(escape);
    mentionPatterns.set(names, usable.length > 0 ? new RegExp(`(?<![\\w.-])(?:${usable.join('|')})(?![\\w-])`, 'g') : undefined);
  }
  return mentionPatterns.get(names);
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.kind}\0${f.where}\0${f.text}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
