/** Where JSON text goes wrong and why, in words a person editing it can act on. */
export interface JsonSyntaxError {
  line: number;
  column: number;
  reason: string;
}

const SPACE = /[ \t\n\r]*/y;
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
const SCALAR = /true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

class Stop {
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {}
}

/**
 * The first syntax error in text JSON.parse refused. Node's own messages give no place for some errors ("Unexpected
 * token") and differ between versions, so the text is walked again, only on this failure path, to find one; undefined
 * when the walk finds none (a document nested deeper than the stack allows).
 */
export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  let at = 0;
  const match = (pattern: RegExp) => {
    pattern.lastIndex = at;
    const found = pattern.exec(text);
    if (found) at += found[0].length;
    return found !== null;
  };
  const expect = (char: string, reason: string) => {
    match(SPACE);
    if (text[at] !== char) throw new Stop(at, at < text.length ? reason : 'the text ends too soon');
    at++;
  };
  const items = (close: string, item: () => void, separator: string) => {
    match(SPACE);
    if (text[at] === close) return void at++;
    for (;;) {
      item();
      match(SPACE);
      if (text[at] === close) return void at++;
      expect(',', separator);
    }
  };
  const value = (): void => {
    match(SPACE);
    const start = at;
    if (text[at] === '{') {
      at++;
      return items('}', () => {
        match(SPACE);
        if (!match(STRING)) throw new Stop(at, at < text.length ? 'expected a field name in double quotes' : 'the text ends too soon');
        expect(':', 'expected ":" after the field name');
        value();
      }, 'expected "," or "}" after the value');
    }
    if (text[at] === '[') {
      at++;
      return items(']', value, 'expected "," or "]" after the value');
    }
    if (text[at] === '"' ? !match(STRING) : !match(SCALAR)) {
      if (at >= text.length) throw new Stop(at, 'the text ends too soon');
      throw new Stop(start, text[at] === '"' ? 'a string is not closed, or holds a bad escape or a raw control character' : 'expected a value (an object, list, string, number, true, false or null)');
    }
  };
  try {
    value();
    match(SPACE);
    if (at < text.length) throw new Stop(at, 'unexpected text after the document');
    return undefined;
  } catch (error) {
    if (!(error instanceof Stop)) return undefined;
    const before = text.slice(0, error.offset).split('\n');
    return { line: before.length, column: before.at(-1)!.length + 1, reason: error.reason };
  }
}
