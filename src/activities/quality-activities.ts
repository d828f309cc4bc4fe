import { heartbeat } from '@temporalio/activity';
import type { MigrationIndexes, QualityReport } from '../migration/contract.js';
import { qualityReport, type QueryOutcome } from '../migration/quality-gate.js';
import type { MigrationDeps } from './deps.js';

const K = 10;

/** The quality gate: the collection's golden queries against the old and the new index. */
export function createQualityActivities(deps: MigrationDeps) {
  const { catalog, providers, store, golden } = deps;

  return {
    /**
     * Runs every golden query against the old index with the old spec and against the new
     * index with the new spec, and scores both. Vectors stay in this activity; the report
     * carries ids and figures only.
     */
    async evaluateQuality(input: MigrationIndexes & { sourceSpecId: string; minQuality: number; minOverlap: number | null }): Promise<QualityReport> {
      const queries = await golden.list(input.collection);
      const specs = [catalog.get(input.sourceSpecId), catalog.get(input.targetSpecId)];
      const outcomes: QueryOutcome[] = [];
      for (const q of queries) {
        const [oldVector, newVector] = await providers.embedQuery(specs, q.query);
        const [oldHits, newHits] = await Promise.all([store.knnSearch(input.sourceIndex, oldVector!, K), store.knnSearch(input.targetIndex, newVector!, K)]);
        outcomes.push({ query: q.query, relevant: q.relevant, oldIds: oldHits.map((h) => h.id), newIds: newHits.map((h) => h.id) });
        heartbeat({ evaluated: outcomes.length });
      }
      return qualityReport(outcomes, { minQuality: input.minQuality, minOverlap: input.minOverlap });
    },
  };
}
