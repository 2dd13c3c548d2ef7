/**
 * A name pattern where `*` stands for any run of characters (none included) and every other character stands
 * for itself, compared code point for code point: no case folding, no Unicode normalisation, so a lookalike
 * name never matches a rule written for another.
 */
export class Glob {
  readonly parts: readonly string[];
  /** Characters that must match exactly; more means more specific. */
  readonly literals: number;
  readonly wildcards: number;

  constructor(readonly text: string) {
    this.parts = text.split('*');
    this.wildcards = this.parts.length - 1;
    this.literals = text.length - this.wildcards;
  }

  static isPattern(text: string): boolean {
    return text.includes('*');
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
