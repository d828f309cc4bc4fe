import { ApplicationFailure } from '@temporalio/activity';
import type { FailureKind } from '../migration/failures.js';

/** An error a retry cannot fix: what happened, then the catalog's hint; the workflow turns it into FAILED with this message. */
export function fatal(kind: FailureKind, happened: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(`${happened} ${kind.hint}`, kind.type);
}
