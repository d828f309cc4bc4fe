import { z } from 'zod';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "90s", "15m", "1h", "7d" or "0" as milliseconds. */
export const durationSchema = z
  .string()
  .regex(/^(0|\d+(\.\d+)?(ms|s|m|h|d))$/, 'a duration such as 30s, 15m, 1h or 7d')
  .transform((text) => {
    if (text === '0') return 0;
    const [, amount, unit] = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text)!;
    return Math.round(Number(amount) * UNITS[unit!]!);
  });

export function formatDuration(ms: number): string {
  if (ms % 86_400_000 === 0 && ms > 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`;
  return `${Math.round(ms / 1000)}s`;
}
