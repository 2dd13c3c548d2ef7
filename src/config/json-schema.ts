import { jsonShape } from '../documents/json-shape.js';
import { configSchema } from './schema.js';

/** The configuration's JSON Schema, generated from the zod schema that validates it (for editors, and the reference's test). */
export function configJsonSchema(): Record<string, unknown> {
  return { $schema: 'https://json-schema.org/draft/2020-12/schema', title: 'Toolgate configuration', ...jsonShape(configSchema) };
}
