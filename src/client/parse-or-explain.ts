import { z } from 'zod';
import { ReembedUsageError } from '../errors.js';

/** Validates what a caller passed the client, naming every bad field; the caller's mistake, not a failure. */
export function parseOrExplain<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ReembedUsageError(`Invalid ${what}:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
