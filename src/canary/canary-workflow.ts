import { ActivityFailure, log, proxyActivities, setCurrentDetails, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { MigrationActivities } from '../activities/index.js';
import { canaryInputSchema, canaryMarkdown, unreachableResult, type CanaryInput, type CanaryResult } from './canary.js';
import { NON_RETRYABLE_ERROR_TYPES } from '../migration/failures.js';
import { canaryStatusKey, collectionKey } from '../migration/search-attributes.js';

/** A check takes seconds; a few quick retries ride out a blip, and a longer outage is itself the finding. */
const checking = proxyActivities<MigrationActivities>({
  startToCloseTimeout: '10 minutes',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 4,
    nonRetryableErrorTypes: [...NON_RETRYABLE_ERROR_TYPES],
  },
});

/**
 * One canary check of a collection, run by its Temporal Schedule (`reembed-canary:<collection>`)
 * or by `reembed canary run`. The outcome is the search attribute ReembedCanaryStatus (the Web
 * UI filters by it), the run's current details, and its result; a check that cannot reach
 * the collection at all is UNHEALTHY rather than a failed workflow.
 */
export async function canaryWorkflow(input: CanaryInput): Promise<CanaryResult> {
  const parsed = canaryInputSchema.parse(input);
  let result: CanaryResult;
  try {
    result = await checking.checkCanaries(parsed);
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    result = unreachableResult(parsed.collection, new Date(workflowInfo().runStartTime).toISOString(), (error.cause ?? error).message);
  }
  upsertSearchAttributes([
    { key: collectionKey, value: parsed.collection },
    { key: canaryStatusKey, value: result.status },
  ]);
  setCurrentDetails(canaryMarkdown(result));
  log.info('canary checked', { collection: parsed.collection, status: result.status });
  return result;
}
