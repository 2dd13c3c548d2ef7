import { readFileSync } from 'node:fs';
import { parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import { parse as parseYaml } from 'yaml';
import { DocumentError } from './errors.js';

/**
 * Parses a document: a `.json` file as JSON (with the comments and trailing commas VS Code's and Cursor's `mcp.json`
 * may hold), anything else as YAML (which includes JSON). JSON-looking text goes to JSON.parse first: the YAML
 * parser, which would read it too, takes about 100 times as long on a large policy (70 ms against 0.5 ms for 1,000
 * tools). A syntax error is given in the file's own language, with its line and column. YAML merge keys (`<<: *anchor`)
 * are merged, as Go's yaml.v3 does for the Intercept policies written with them.
 */
export function readDocumentText(text: string, source: string): unknown {
  const json = source.toLowerCase().endsWith('.json');
  const trimmed = text.trimStart();
  if (json || trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return JSON.parse(text);
    } catch {
      // Not JSON after all (YAML flow style starts the same way): unless the file says it is JSON, YAML decides.
      if (json) return readJsonWithComments(text, source);
    }
  }
  try {
    return parseYaml(text, { prettyErrors: true, merge: true }) ?? undefined;
  } catch (error) {
    throw new DocumentError(source, [{ pointer: '', message: `not valid YAML: ${(error as Error).message.trimEnd()}` }]);
  }
}

/** JSON with comments and trailing commas, as editors write it; otherwise its first syntax error, placed. */
function readJsonWithComments(text: string, source: string): unknown {
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false, allowEmptyContent: false });
  const [first] = errors;
  if (first || !tree) {
    const where = first ? place(text, first.offset) : 'at the end';
    throw new DocumentError(source, [{ pointer: '', message: `not valid JSON: ${JSON_WORDS[first ? printParseErrorCode(first.error) : 'ValueExpected'] ?? 'a syntax error'} ${where}` }]);
  }
  return valueOf(tree);
}

/** The tree's value, every key an own property (`Object.fromEntries`): a `"__proto__"` key stays a key, as in JSON.parse. */
function valueOf(node: Node): unknown {
  if (node.type === 'object') return Object.fromEntries(node.children!.map(({ children: [key, value] = [] }) => [key!.value as string, valueOf(value!)]));
  if (node.type === 'array') return node.children!.map(valueOf);
  return node.value;
}

function place(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `at line ${before.length}, column ${before.at(-1)!.length + 1}`;
}

/** jsonc-parser's error codes in words a person editing the file can act on. */
const JSON_WORDS: Partial<Record<ReturnType<typeof printParseErrorCode>, string>> = {
  InvalidSymbol: 'expected a value (an object, list, string, number, true, false or null)',
  InvalidNumberFormat: 'not a number as JSON writes one',
  PropertyNameExpected: 'expected a field name in double quotes',
  ValueExpected: 'expected a value (an object, list, string, number, true, false or null)',
  ColonExpected: 'expected ":" after the field name',
  CommaExpected: 'expected "," between the entries',
  CloseBraceExpected: 'expected "}" to close the object',
  CloseBracketExpected: 'expected "]" to close the list',
  EndOfFileExpected: 'unexpected text after the document',
  InvalidCommentToken: 'a comment is not closed',
  UnexpectedEndOfComment: 'a comment is not closed',
  UnexpectedEndOfString: 'a string is not closed',
  UnexpectedEndOfNumber: 'a number is cut short',
  InvalidUnicode: 'a bad \\u escape in a string',
  InvalidEscapeCharacter: 'a bad escape in a string',
  InvalidCharacter: 'a raw control character in a string',
};

/** A document file's text; a file that cannot be read is a DocumentError naming it. */
export function readDocumentFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (error as Error).message;
    throw new DocumentError(file, [{ pointer: '', message: reason }]);
  }
}
