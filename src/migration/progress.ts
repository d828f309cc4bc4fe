import type { MigrationStatus } from './status.js';

/** Backfill throughput since copying began; null outside BACKFILLING. */
export function backfillRate(m: MigrationStatus | null, nowMs: number): number | null {
  if (!m?.backfillStartedAt || m.phase !== 'BACKFILLING') return null;
  const elapsedS = (nowMs - Date.parse(m.backfillStartedAt)) / 1000;
  return elapsedS > 0 ? m.documents.migrated / elapsedS : null;
}

/** Source documents neither copied nor quarantined yet. */
export function remainingDocuments(m: MigrationStatus): number {
  return Math.max(0, m.documents.total - m.documents.migrated - m.documents.quarantined);
}

/** An estimate for people: "2h 5m", "14m 3s", "9s". */
export function humanDuration(ms: number): string {
  const total = Math.round(ms / 1000);
  const [h, m, s] = [Math.floor(total / 3600), Math.floor((total % 3600) / 60), total % 60];
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${s}s`;
  return `${s}s`;
}
