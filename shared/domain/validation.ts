import { z } from 'zod';
import { InvalidInputError } from './errors';

/** Dotted path of a zod issue, e.g. `spec.plan.steps[1].weight`. */
function issuePath(root: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)),
    root,
  );
}

/**
 * Parses `input` with `schema`, or throws an InvalidInputError whose message names every bad
 * field and what was expected.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, root = ''): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({
    path: issuePath(root, issue.path) || '(input)',
    message: issue.message,
  }));
  throw new InvalidInputError(issues.map((i) => `${i.path}: ${i.message}`).join('; '), issues);
}

/** A whole number of seconds from 0 to `max`. */
export const secondsSchema = (max: number) => z.number().int().min(0).max(max);
