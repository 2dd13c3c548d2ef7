import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { DocumentError } from './errors.js';

/**
 * Parses a document written as JSON or YAML. JSON goes to JSON.parse: the YAML parser, which would read it too,
 * takes about 100 times as long on a large policy (70 ms against 0.5 ms for 1,000 tools).
 */
export function readDocumentText(text: string, source: string): unknown {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return JSON.parse(text);
    } catch {
      // Not JSON after all (YAML flow style starts the same way): the YAML parser decides, and words the error.
    }
  }
  try {
    return parseYaml(text, { prettyErrors: true }) ?? undefined;
  } catch (error) {
    throw new DocumentError(source, [{ pointer: '', message: `not valid YAML or JSON: ${(error as Error).message}` }]);
  }
}

/** A document file's text; a file that cannot be read is a DocumentError naming it. */
export function readDocumentFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (error as Error).message;
    throw new DocumentError(file, [{ pointer: '', message: reason }]);
  }
}
