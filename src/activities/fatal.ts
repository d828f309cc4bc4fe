import { ApplicationFailure } from '@temporalio/activity';

/** An error a retry cannot fix; the workflow turns it into FAILED with this message. */
export function fatal(type: string, message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, type);
}
