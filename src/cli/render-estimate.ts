import { formatBytes as size } from '../estimate/disk-estimate.js';
import type { MigrationEstimate } from '../estimate/migration-estimate.js';
import { humanDuration } from '../migration/progress.js';

/** The estimate as `reembed migrate --dry-run` prints it. */
export function renderEstimate(e: MigrationEstimate): string {
  const d = e.disk;
  return [
    `  documents:    ${e.documents}${e.withoutText ? ` (${e.withoutText} without text: they will be quarantined)` : ''}`,
    ...(e.sampled
      ? [`  sampled:      a large source: tokens, truncations and documents without text are scaled up from ${e.sampled} documents drawn at random`]
      : []),
    `  tokens:       ${e.tokens} with the ${e.specId} tokenizer${e.truncated ? `; ${e.truncated} document(s) over the token limit will be truncated` : ''}`,
    `  cost:         $${e.costUsd.toFixed(4)} at $${e.pricePerMillionTokens} per million tokens`,
    `  duration:     ${e.durationMs === null ? 'unknown' : `~${humanDuration(e.durationMs)}`} (${e.durationBasis})`,
    ...(e.batch
      ? [
          `  --batch-api:  $${e.batch.costUsd.toFixed(4)} at $${e.batch.pricePerMillionTokens} per million tokens through the OpenAI Batch API`,
          `                duration: ${e.batch.durationBand}`,
        ]
      : []),
    `  disk:         ${size(d.totalBytes)} = vectors ${size(d.rawVectorBytes)} + quantised ${size(d.quantizedVectorBytes)} + HNSW graph ${size(d.graphBytes)} + text and fields ${size(d.otherBytes)}`,
    `  free:         ${size(d.usableBytes)} usable below Elasticsearch's high disk watermark (${size(d.availableBytes)} free) — ${d.fits ? 'fits' : 'DOES NOT FIT (migrate refuses to start without --force)'}`,
  ].join('\n');
}
