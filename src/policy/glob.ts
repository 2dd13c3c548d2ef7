/**
 * A name pattern where `*` stands for any run of characters (none included) and every other character stands
 * for itself, compared code point for code point: no case folding, no Unicode normalisation, so a lookalike
 * name never matches a rule written for another. `\*` is a literal `*` and `\\` a literal backslash, so a tool
 * whose name has a `*` in it can be named exactly; a backslash before any other character is itself.
 */
export class Glob {
  /** The literal runs between the wildcards, escapes resolved. */
  readonly parts: readonly string[];
  /** Characters that must match exactly; more means more specific. */
  readonly literals: number;
  readonly wildcards: number;

  constructor(readonly text: string) {
    this.parts = split(text);
    this.wildcards = this.parts.length - 1;
    this.literals = this.parts.reduce((sum, part) => sum + part.length, 0);
  }

  /** Whether the text has a `*` that is not escaped. */
  static isPattern(text: string): boolean {
    return text.includes('*') && split(text).length > 1;
  }

  /** The one name a text that is no pattern stands for: its escapes resolved. */
  static literal(text: string): string {
    return text.includes('\\') ? split(text).join('*') : text;
  }

  /** Writes a name so that it stands for itself: every `*` and `\` escaped. */
  static escape(name: string): string {
    return name.replace(/[\\*]/g, (c) => `\\${c}`);
  }

  /** Leftmost matching of the parts between the wildcards: linear in the name, no backtracking. */
  matches(name: string): boolean {
    const parts = this.parts;
    const first = parts[0]!;
    if (parts.length === 1) return name === first;
    const last = parts[parts.length - 1]!;
    if (name.length < first.length + last.length || !name.startsWith(first) || !name.endsWith(last)) return false;
    let position = first.length;
    const end = name.length - last.length;
    for (let i = 1; i < parts.length - 1; i++) {
      const part = parts[i]!;
      const found = name.indexOf(part, position);
      if (found === -1 || found + part.length > end) return false;
      position = found + part.length;
    }
    return true;
  }
}

/** The literal runs of a pattern, split at each unescaped `*`. Texts without a backslash take the fast path. */
function split(text: string): string[] {
  if (!text.includes('\\')) return text.split('*');
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    const next = text[i + 1];
    if (c === '\\' && (next === '*' || next === '\\')) {
      current += next;
      i++;
    } else if (c === '*') {
      parts.push(current);
      current = '';
    } else current += c;
  }
  parts.push(current);
  return parts;
}
