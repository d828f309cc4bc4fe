import type { ModelSpec } from './model-spec.js';

/** The embeddings API's per-request limits. */
export const OPENAI_LIMITS = { maxInputs: 2048, maxTokensPerRequest: 300_000 } as const;
/**
 * A request takes at most this share of a minute's token limit, so the sliding window
 * never has to hold back a whole large request and throughput stays near the limit.
 */
const MAX_REQUEST_SHARE_OF_TPM = 1 / 20;

/** Most tokens one request carries for `spec` under a tokens-per-minute limit (its own input limit at least). */
export function requestTokenCap(spec: ModelSpec, tpm: number | undefined): number {
  return Math.max(spec.maxTokens, Math.min(OPENAI_LIMITS.maxTokensPerRequest, Math.floor((tpm ?? Infinity) * MAX_REQUEST_SHARE_OF_TPM)));
}
