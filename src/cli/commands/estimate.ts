import type { MigrationEstimate } from '../../estimate/migration-estimate';
import { humanDuration } from '../duration';

const gb = (bytes: number) => `${(bytes / 1e9).toFixed(3)} GB`;

/** The estimate as `reembed migrate --dry-run` prints it. */
export function renderEstimate(e: MigrationEstimate): string {
  const d = e.disk;
  return [
    `  documents:    ${e.documents}${e.withoutText ? ` (${e.withoutText} without text: they will be quarantined)` : ''}`,
    `  tokens:       ${e.tokens} with the ${e.specId} tokenizer${e.truncated ? `; ${e.truncated} document(s) over the token limit will be truncated` : ''}`,
    `  cost:         $${e.costUsd.toFixed(4)} at $${e.pricePerMillionTokens} per million tokens`,
    `  duration:     ${e.durationMs === null ? 'unknown' : `~${humanDuration(e.durationMs)}`} (${e.durationBasis})`,
    `  disk:         ${gb(d.totalBytes)} = vectors ${gb(d.rawVectorBytes)} + quantised ${gb(d.quantizedVectorBytes)} + HNSW graph ${gb(d.graphBytes)} + text and fields ${gb(d.otherBytes)}`,
    `  free:         ${gb(d.usableBytes)} usable below Elasticsearch's high disk watermark (${gb(d.availableBytes)} free) — ${d.fits ? 'fits' : 'DOES NOT FIT (migrate refuses to start without --force)'}`,
  ].join('\n');
}
