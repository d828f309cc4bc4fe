import type { MigrationStatus } from './status.js';

/** The one status object that the operator decisions and the progress accounting both update. */
export class StatusCell {
  constructor(public value: MigrationStatus) {}
}

// Workflow time inside the workflow (deterministic), the clock in unit tests.
export const now = (): string => new Date().toISOString();
