import { createAdaptationActivities } from './adaptation-activities.js';
import { createBatchActivities } from './batch-activities.js';
import { createBookkeepingActivities } from './bookkeeping-activities.js';
import { createCanaryActivities } from '../canary/canary-activities.js';
import { createCopyActivities } from './copy-activities.js';
import type { MigrationDeps } from './deps.js';
import { createPrepareActivities } from './prepare-activities.js';
import { createQualityActivities } from './quality-activities.js';
import { createVerificationActivities } from './verification-activities.js';

export type { MigrationDeps } from './deps.js';

/** Every activity reembed's workflows schedule (migration and canary), by the name its history records. */
export function createMigrationActivities(deps: MigrationDeps) {
  return {
    ...createPrepareActivities(deps),
    ...createCopyActivities(deps),
    ...createBatchActivities(deps),
    ...createVerificationActivities(deps),
    ...createQualityActivities(deps),
    ...createBookkeepingActivities(deps),
    ...createCanaryActivities(deps),
    ...createAdaptationActivities(deps),
  };
}

export type MigrationActivities = ReturnType<typeof createMigrationActivities>;
