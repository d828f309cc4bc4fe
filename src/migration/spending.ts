import type { MigrationStatus } from './status.js';

/**
 * The status's token count and spend after `tokens` more were billed, `batchTokens` of them
 * through the Batch API at its own price. Recomputed from the totals, so rounding never drifts.
 */
/** What this migration pays per million Batch API tokens (its synchronous price where no batch price is known). */
export function batchPrice(s: MigrationStatus): number {
  return s.batchPricePerMillionTokens ?? s.pricePerMillionTokens;
}

export function spending(s: MigrationStatus, tokens: number, batchTokens = 0): Pick<MigrationStatus, 'tokens' | 'spentUsd' | 'batchTokens'> {
  const total = s.tokens + tokens;
  const batch = (s.batchTokens ?? 0) + batchTokens;
  return {
    tokens: total,
    spentUsd: ((total - batch) / 1_000_000) * s.pricePerMillionTokens + (batch / 1_000_000) * batchPrice(s),
    ...(batch > 0 ? { batchTokens: batch } : {}),
  };
}

/** Dollars that open batches will cost once they complete: held back from every other spend. */
export function reservedUsd(s: MigrationStatus): number {
  return (s.batchApi?.batches ?? []).filter((b) => b.state !== 'collected').reduce((sum, b) => sum + b.costUsd, 0);
}
