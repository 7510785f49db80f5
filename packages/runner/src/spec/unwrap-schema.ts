import type { z } from 'zod';

/** The schema under zod's wrappers (optional, default, nullable, readonly, a pipe's input side). */
export function unwrapSchema(node: z.ZodType): z.ZodType {
  let current = node as unknown as { def: { type: string; innerType?: unknown; in?: unknown } };
  while (['optional', 'default', 'nullable', 'prefault', 'readonly', 'nonoptional'].includes(current.def.type) || current.def.type === 'pipe') {
    current = (current.def.type === 'pipe' ? current.def.in : current.def.innerType) as typeof current;
  }
  return current as unknown as z.ZodType;
}
