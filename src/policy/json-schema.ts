import { jsonShape } from '../documents/json-shape.js';
import { policySchema } from './schema.js';

/** The canonical form's JSON Schema, generated from the same zod schema that validates policies. */
export function policyJsonSchema(): Record<string, unknown> {
  return { $schema: 'https://json-schema.org/draft/2020-12/schema', ...jsonShape(policySchema), title: 'Toolgate policy (version 1)' };
}
