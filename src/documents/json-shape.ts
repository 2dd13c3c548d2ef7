import { z } from 'zod';

/** A document's shape as JSON Schema: what a file may say, before defaults and transforms, without `$schema`. */
export function jsonShape(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _, ...shape } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
  return shape;
}
