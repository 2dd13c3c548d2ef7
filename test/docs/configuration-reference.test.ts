import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { configJsonSchema } from '../../src/config/json-schema.js';

/**
 * docs/configuration.md cannot drift from the schema: every field a file may hold has a row, every row is a field,
 * and a default the schema fills in is the default the row states.
 */
const REFERENCE = new URL('../../docs/configuration.md', import.meta.url);

interface JsonSchema {
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  anyOf?: JsonSchema[];
  items?: JsonSchema;
  default?: unknown;
}

/** `mcpServers` is `servers` under a client's name: its fields are the same, documented once. */
const SYNONYMS = new Set(['mcpServers']);

/** Every field path (`servers.<name>.command`, `admin.tokens[].label`) with its default, if the schema has one. */
function fields(schema: JsonSchema, path = '', into = new Map<string, { default?: unknown }>()): Map<string, { default?: unknown }> {
  for (const option of schema.anyOf ?? []) fields(option, path, into);
  for (const [key, field] of Object.entries(schema.properties ?? {})) {
    const at = path ? `${path}.${key}` : key;
    const known = into.get(at);
    into.set(at, 'default' in field ? { default: field.default } : (known ?? {}));
    if (!SYNONYMS.has(key)) fields(field, at, into);
  }
  // A record of objects (servers) is documented per entry; a record of plain values (env, headers) is one field.
  const entry = schema.additionalProperties;
  if (typeof entry === 'object' && hasFields(entry)) fields(entry, `${path}.<name>`, into);
  if (schema.items && hasFields(schema.items)) fields(schema.items, `${path}[]`, into);
  return into;
}

function hasFields(schema: JsonSchema): boolean {
  return schema.properties !== undefined || (schema.anyOf ?? []).some(hasFields);
}

/** The reference's rows: `| \`path\` | default | … |`. */
function rows(markdown: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const match of markdown.matchAll(/^\| `([^`]+)` \|([^|]*)\|/gm)) found.set(match[1]!, match[2]!.trim());
  return found;
}

describe('the configuration reference', () => {
  const schema = fields(configJsonSchema() as JsonSchema);
  const documented = rows(readFileSync(REFERENCE, 'utf8'));

  test('documents every field of the schema', () => {
    const missing = [...schema.keys()].filter((path) => !documented.has(path));
    assert.deepEqual(missing, [], 'fields the schema has and docs/configuration.md does not');
  });

  test('documents no field the schema lacks', () => {
    const extra = [...documented.keys()].filter((path) => !schema.has(path));
    assert.deepEqual(extra, [], 'rows of docs/configuration.md that are not fields');
  });

  test('states the defaults the schema fills in', () => {
    for (const [path, { default: value }] of schema) {
      if (value === undefined) continue;
      const cell = documented.get(path) ?? '';
      const literal = /^`([^`]*)`$/.exec(cell);
      assert.ok(literal, `${path}: the default column should be \`${JSON.stringify(value)}\`, is "${cell}"`);
      assert.deepEqual(parse(literal[1]!), value, `${path}: the default column says ${literal[1]}`);
    }
  });
});
