import { defineQuery, defineSignal, setHandler } from '@temporalio/workflow';
import { SIGNALS, STATUS_QUERY, STATUS_QUERY_DESCRIPTION, type MigrationStatus, type SignalName } from '../migration/contract.js';
import type { MigrationState } from '../migration/migration-state.js';

/**
 * The status query and the six signals, each handed to the state's rule for it. Payloads
 * stay `unknown` on the wire so a malformed signal from the Web UI is recorded and refused,
 * not a decoding failure.
 */
export function wireHandlers(state: MigrationState): void {
  setHandler(defineQuery<MigrationStatus>(STATUS_QUERY), () => state.status, { description: STATUS_QUERY_DESCRIPTION });
  const handlers: Record<SignalName, (payload: unknown) => void> = {
    approveCutover: (p) => state.approve(p),
    rejectCutover: (p) => state.reject(p),
    pause: (p) => state.pause(p),
    resume: (p) => state.resume(p),
    rollback: (p) => state.rollback(p),
    endRetention: (p) => state.endRetention(p),
  };
  for (const [name, handler] of Object.entries(handlers)) {
    setHandler(defineSignal<[unknown]>(name), handler, { description: SIGNALS[name as SignalName].description });
  }
}
