import { z } from 'zod';
import { policySchema } from './schema.js';

/** The canonical form's JSON Schema, generated from the same zod schema that validates policies. */
export function policyJsonSchema(): Record<string, unknown> {
  return { ...z.toJSONSchema(policySchema, { io: 'input', unrepresentable: 'any' }), title: 'Toolgate policy (version 1)' };
}
