import { proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import type { MigrationActivities } from '../activities/index.js';
import { NON_RETRYABLE_ERROR_TYPES } from '../migration/failures.js';

const retry = (maximumAttempts: number, initialInterval: string, maximumInterval: string): ActivityOptions['retry'] => ({
  initialInterval,
  backoffCoefficient: 2,
  maximumInterval,
  maximumAttempts,
  nonRetryableErrorTypes: [...NON_RETRYABLE_ERROR_TYPES],
});

/** Short bookkeeping activities: registry updates, alias swaps, index deletion. */
export const bookkeeping = proxyActivities<MigrationActivities>({ startToCloseTimeout: '2 minutes', retry: retry(20, '1 second', '1 minute') });

/** Prepare, catch-up and verification scan whole indexes; they heartbeat per page. */
export const scanning = proxyActivities<MigrationActivities>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '2 minutes',
  retry: retry(20, '2 seconds', '2 minutes'),
});

/** The grace period's warm-up helps the cutover but must not stop it: few attempts. */
export const warming = proxyActivities<MigrationActivities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '2 minutes',
  retry: retry(3, '2 seconds', '30 seconds'),
});

/**
 * Backfill activities embed batch after batch. A dead worker is noticed after one heartbeat
 * timeout; a retry resumes from the last heartbeated cursor.
 */
export function backfillingActivities(heartbeatTimeoutMs: number) {
  return proxyActivities<MigrationActivities>({
    startToCloseTimeout: '1 hour',
    heartbeatTimeout: heartbeatTimeoutMs,
    retry: retry(50, '1 second', '1 minute'),
  });
}
