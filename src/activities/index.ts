import { createBookkeepingActivities } from './bookkeeping-activities.js';
import { createCopyActivities } from './copy-activities.js';
import type { MigrationDeps } from './deps.js';
import { createPrepareActivities } from './prepare-activities.js';
import { createQualityActivities } from './quality-activities.js';
import { createVerificationActivities } from './verification-activities.js';

export type { MigrationDeps } from './deps.js';

/** Every activity the migration workflow schedules, by the name its history records. */
export function createMigrationActivities(deps: MigrationDeps) {
  return {
    ...createPrepareActivities(deps),
    ...createCopyActivities(deps),
    ...createVerificationActivities(deps),
    ...createQualityActivities(deps),
    ...createBookkeepingActivities(deps),
  };
}

export type MigrationActivities = ReturnType<typeof createMigrationActivities>;
