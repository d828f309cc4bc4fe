import { ApplicationFailure, condition, defineQuery, defineSignal, defineUpdate, setHandler } from '@temporalio/workflow';
import {
  ACTION_REFUSED,
  SIGNALS,
  STATUS_QUERY,
  STATUS_QUERY_DESCRIPTION,
  UPDATE_DESCRIPTION_SUFFIX,
  type ActionOutcome,
  type SignalName,
} from '../migration/messages.js';
import type { MigrationStatus } from '../migration/status.js';
import type { MigrationState } from '../migration/migration-state.js';

/**
 * The status query, and each operator action twice under one name: as a signal (the Temporal
 * Web UI and `temporal workflow signal` send these; a refusal is recorded in the status) and
 * as an Update (the CLI and client send these; the validator refuses at once with the reason,
 * leaving nothing in history). Payloads stay `unknown` on the wire so a malformed one is
 * refused with a readable reason, not a decoding failure.
 */
export function wireHandlers(state: MigrationState): void {
  setHandler(defineQuery<MigrationStatus>(STATUS_QUERY), () => state.status, { description: STATUS_QUERY_DESCRIPTION });
  for (const name of Object.keys(SIGNALS) as SignalName[]) {
    const { description } = SIGNALS[name];
    setHandler(defineSignal<[unknown]>(name), (payload) => state.signal(name, payload), { description });
    setHandler(defineUpdate<ActionOutcome, [unknown]>(name), (payload) => answer(state, state.perform(name, payload)), {
      description: description + UPDATE_DESCRIPTION_SUFFIX,
      validator: (payload) => {
        const reason = state.refusal(name, payload);
        if (reason === null) return;
        const refused = ApplicationFailure.create({ message: reason, type: ACTION_REFUSED, nonRetryable: true });
        // Operators read this in the Web UI and the CLI: the reason, not a stack into reembed's code.
        refused.stack = `${refused.name}: ${reason}`;
        throw refused;
      },
    });
  }
}

/**
 * An approval that completes the decision answers once the workflow has entered the grace
 * period, whose end it then names exactly: that end is fixed by the workflow task after this one.
 */
async function answer(state: MigrationState, outcome: ActionOutcome): Promise<ActionOutcome> {
  if (outcome.action !== 'approveCutover' || !state.approved) return outcome;
  await condition(() => state.status.graceEndsAt !== undefined || state.rejected);
  const cutoverAt = state.status.graceEndsAt;
  if (!cutoverAt) return { ...outcome, next: 'the migration was rejected before the grace period began' };
  return { ...outcome, cutoverAt, next: `the grace period runs; the read alias moves to the new index at ${cutoverAt} unless rejected before` };
}
