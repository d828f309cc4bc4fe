import { createHash } from 'node:crypto';

/** Hash of the text a vector was made from; catch-up compares it to find changed documents. */
export function sourceHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}
