import type { Client } from '@elastic/elasticsearch';
import type { MigrationIndexes } from '../migration/reports.js';
import { REGISTRY_INDEX } from '../registry/collection-registry.js';
import { assertIndexesAvailable } from '../store/index-availability.js';
import { QUARANTINE_INDEX } from '../store/quarantine.js';

/** Before a copy or a verification: every index it reads or writes has all its primaries (none is red). */
export function assertMigrationIndexesAvailable(es: Client, input: MigrationIndexes): Promise<void> {
  return assertIndexesAvailable(es, [input.sourceIndex, input.targetIndex, REGISTRY_INDEX, QUARANTINE_INDEX]);
}
