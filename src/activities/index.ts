import { createBookkeepingActivities } from './bookkeeping-activities';
import { createCopyActivities } from './copy-activities';
import type { MigrationDeps } from './deps';
import { createPrepareActivities } from './prepare-activities';
import { createVerificationActivities } from './verification-activities';

export type { MigrationDeps } from './deps';

/** Every activity the migration workflow schedules, by the name its history records. */
export function createMigrationActivities(deps: MigrationDeps) {
  return {
    ...createPrepareActivities(deps),
    ...createCopyActivities(deps),
    ...createVerificationActivities(deps),
    ...createBookkeepingActivities(deps),
  };
}

export type MigrationActivities = ReturnType<typeof createMigrationActivities>;
