import { setTimeout as sleep } from 'node:timers/promises';
import { fingerprint } from '../embedding/model-spec.js';
import type { MigrationIndexes, VerificationReport } from '../migration/reports.js';
import { coverage } from '../migration/coverage.js';
import { unsearchableDocuments } from '../migration/unsearchable.js';
import { coverageRecorded } from '../migration/registry-transitions.js';
import { SERVING_SETTINGS } from '../store/vector-index-layout.js';
import { holdsAtLeastAsNew } from '../migration/write-ordering.js';
import type { MigrationDeps } from './deps.js';
import { compareIndexes } from './index-comparison.js';
import { assertMigrationIndexesAvailable } from './index-availability.js';

/** Documents of the new index searched for themselves, to show its vectors retrieve. */
const SAMPLE_QUERIES = 5;
/**
 * Candidates per shard for the self-search: it checks the index, not its recall at serving
 * settings. With the serving default (100) a document sometimes missed itself among a
 * million 256-d vectors without structure (the scale bench's hashed vectors).
 */
const VERIFY_NUM_CANDIDATES = 1000;
/** How long a dual-write may take between its two indexes. */
const IN_FLIGHT_GRACE_MS = 2_000;
/** Re-reads of a differing document: it differs for good only if no read found the new index caught up. */
const RECHECKS = 5;
const RECHECK_INTERVAL_MS = 500;
/** Between reading a document's source copy and its target copy: longer than a writer's gap between the two. */
const CATCH_UP_MS = 250;

/** Ids asked per request when checking which quarantined documents reached the new index. */
const PRESENCE_PAGE = 1_000;

/** Verify: the new index is complete, carries only the target's fingerprint, and answers searches. */
export function createVerificationActivities(deps: MigrationDeps) {
  const { catalog, providers, store, registry, quarantine } = deps;

  /**
   * Differences between the indexes that persist. Live writes land on the source and then on
   * the target, and may keep landing during verification (writers hammering one document),
   * so a document that differs in the scan is re-read a few times — its source copy, then a
   * moment later its target copy. It is fine once the target holds the same text, or a live
   * write at least as new as the source's (its external version); it is a gap only if no
   * re-read found the target caught up.
   */
  async function persistentGaps(input: MigrationIndexes, known: ReadonlyMap<string, string>): Promise<string[]> {
    const found = await compareIndexes(store, input, known);
    let ids = [...new Set([...found.stale, ...found.extra])];
    let missing: string[] = [];
    let extra: string[] = [];
    for (let round = 0; round < RECHECKS && ids.length > 0; round++) {
      await sleep(round === 0 ? IN_FLIGHT_GRACE_MS : RECHECK_INTERVAL_MS);
      const inSource = await store.getMany(input.sourceIndex, ids, false);
      await sleep(CATCH_UP_MS);
      const inTarget = await store.getMany(input.targetIndex, ids, false);
      missing = ids.filter((id) => {
        const source = inSource.get(id);
        return source !== undefined && known.get(id) !== source.sourceHash && !holdsAtLeastAsNew(source, inTarget.get(id));
      });
      extra = ids.filter((id) => !inSource.has(id) && inTarget.has(id));
      ids = [...missing, ...extra];
    }
    const problems: string[] = [];
    if (missing.length > 0)
      problems.push(
        `${missing.length} source document(s) are neither in the new index (with the same text) nor quarantined, e.g. ${missing.slice(0, 3).join(', ')}`,
      );
    if (extra.length > 0) problems.push(`${extra.length} document(s) in the new index are gone from the source, e.g. ${extra.slice(0, 3).join(', ')}`);
    return problems;
  }

  /** Which of the ids the index holds, asked in pages. */
  async function presentIn(index: string, ids: readonly string[]): Promise<Set<string>> {
    const present = new Set<string>();
    for (let i = 0; i < ids.length; i += PRESENCE_PAGE) {
      for (const id of (await store.getMany(index, ids.slice(i, i + PRESENCE_PAGE), false)).keys()) present.add(id);
    }
    return present;
  }

  return {
    /** Restores serving settings, then checks coverage, vector integrity and a few searches. */
    async verifyMigration(input: MigrationIndexes): Promise<VerificationReport> {
      const spec = catalog.get(input.targetSpecId);
      await assertMigrationIndexesAvailable(deps, input);
      await store.updateSettings(input.targetIndex, { ...SERVING_SETTINGS, number_of_replicas: await store.numberOfReplicas(input.sourceIndex) });
      const quarantined = await quarantine.all(input.workflowId);
      const known = new Map(quarantined.map((e) => [e.docId, e.sourceHash]));
      const problems = await persistentGaps(input, known);
      await Promise.all([store.refresh(input.sourceIndex), store.refresh(input.targetIndex)]);
      const [sourceCount, targetCount, prints] = await Promise.all([
        store.count(input.sourceIndex),
        store.count(input.targetIndex),
        store.fingerprints(input.targetIndex),
      ]);
      const expected = fingerprint(spec);
      for (const [print, count] of prints) {
        if (print !== expected) problems.push(`${count} document(s) carry fingerprint ${print}, expected ${expected}`);
      }
      const provider = await providers.get(spec);
      const sample = (await store.scan(input.targetIndex, null, SAMPLE_QUERIES)).filter((d) => d.content);
      let sampleHits = 0;
      let rewritten = 0;
      let tokens = 0;
      for (const doc of sample) {
        const { vectors, tokens: used } = await provider.embed([doc.content!], 'query');
        tokens += used;
        const hits = await store.knnSearch(input.targetIndex, vectors[0]!, 10, VERIFY_NUM_CANDIDATES);
        if (hits.some((h) => h.id === doc.id)) sampleHits++;
        // A live write may have changed or deleted the document since it was sampled: it then
        // says nothing about the index, and only an unchanged document that misses itself counts.
        else if ((await store.getMany(input.targetIndex, [doc.id], false)).get(doc.id)?.sourceHash !== doc.sourceHash) rewritten++;
      }
      const checked = sample.length - rewritten;
      if (sampleHits < checked) problems.push(`only ${sampleHits} of ${checked} documents found themselves in a top-10 search`);
      const unsearchableAfterCutover = unsearchableDocuments(quarantined, await presentIn(input.targetIndex, [...known.keys()]));
      const covered = coverage({ total: sourceCount, migrated: targetCount, quarantined: known.size });
      await registry.apply(input.collection, coverageRecorded(input.workflowId, covered));
      return {
        ok: problems.length === 0,
        sourceCount,
        targetCount,
        quarantined: known.size,
        coverage: covered,
        fingerprints: Object.fromEntries(prints),
        sampleQueries: checked,
        sampleHits,
        problems,
        tokens,
        unsearchableAfterCutover,
      };
    },
  };
}
