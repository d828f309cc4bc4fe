import { z } from 'zod';
import { fitMigrationAdapter } from '../adapter/fit-migration-adapter.js';
import { BEFORE_CUTOVER } from '../migration/phases.js';
import { DEFAULT_MAX_DROP } from '../migration/quality-gate.js';
import type { Services } from '../services.js';
import type { AdapterSummary } from '../store/adapters.js';
import type { RetiredSpec } from '../store/retired-specs.js';
import { parseOrExplain } from './parse-or-explain.js';

export type RetiredSpecReport = RetiredSpec & {
  /** Each running migration from the spec, with the adapter fitted for it or why none could be. */
  readonly migrations: ReadonlyArray<{ readonly collection: string; readonly adapter?: AdapterSummary; readonly error?: string }>;
  /** Collections whose active spec it is, with no migration away from it: their queries can no longer be embedded. */
  readonly stranded: readonly string[];
};

/**
 * Marks a spec retired (its model can no longer embed) and fits, for every running
 * migration from it, the adapter through which searches and live writes reach the old
 * index until the cutover. Retiring again refits them with the documents copied since.
 */
export async function retireSpec(services: Services, specId: string, options: { by: string; minAdapterRecall?: number }): Promise<RetiredSpecReport> {
  const minRecall = parseOrExplain(z.number().min(0).max(1).optional(), options.minAdapterRecall, 'minimum adapter recall');
  services.catalog.get(specId);
  const { retiredSpecs, registry } = services;
  const records = await registry.list();
  const migrating = records.filter((r) => r.migration && BEFORE_CUTOVER.has(r.migration.phase) && r.migration.sourceSpecId === specId);
  // Retiring records a fact about the provider, so it is not refused; those still searching with the spec are named.
  const stranded = records.filter((r) => r.activeSpecId === specId && !migrating.includes(r)).map((r) => r.collection);
  const retired = await retiredSpecs.retire(specId, options.by);
  const fitted = await Promise.all(
    migrating.map(async ({ collection, migration: m }) => {
      const request = {
        collection,
        sourceIndex: m!.sourceIndex,
        targetIndex: m!.targetIndex,
        sourceSpecId: specId,
        targetSpecId: m!.targetSpecId,
        minRecall,
        maxDrop: DEFAULT_MAX_DROP,
      };
      try {
        return { collection, adapter: await fitMigrationAdapter(services, request) };
      } catch (error) {
        return { collection, error: (error as Error).message };
      }
    }),
  );
  return { ...retired, migrations: fitted, stranded };
}
