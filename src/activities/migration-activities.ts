import type { Client } from '@elastic/elasticsearch';
import { activityInfo, ApplicationFailure, heartbeat } from '@temporalio/activity';
import type { Config } from '../config/env';
import { formatBytes } from '../estimate/disk-estimate';
import { estimateMigration } from '../estimate/migration-estimate';
import { AccessStats } from '../search/access-stats';
import { embedIsolatingFailures } from '../embedding/embed-isolating-failures';
import { fingerprint, type ModelSpec } from '../embedding/model-spec';
import { InvalidEmbeddingError } from '../embedding/provider';
import type { ProviderPool } from '../embedding/provider-pool';
import type { SpecCatalog } from '../embedding/spec-catalog';
import type { MigrationPhase } from '../registry/collection-record';
import type { CollectionRegistry } from '../registry/collection-registry';
import type { AliasStore } from '../store/aliases';
import type { QuarantineEntry, QuarantineStore } from '../store/quarantine';
import { BACKFILL_SETTINGS, SERVING_SETTINGS, versionedIndexName, type StoredDocument, type VectorIndexStore, type WriteGuard } from '../store/vector-index';
import { MAX_QUARANTINE_SAMPLE, type ChunkReport, type Prepared } from '../workflows/migration/migration-state';
import type { VerificationReport } from '../workflows/migration/messages';

export interface MigrationDeps {
  readonly es: Client;
  readonly catalog: SpecCatalog;
  readonly providers: ProviderPool;
  readonly store: VectorIndexStore;
  readonly aliases: AliasStore;
  readonly registry: CollectionRegistry;
  readonly quarantine: QuarantineStore;
  readonly config: Pick<Config, 'prices' | 'openai'>;
}

/** Identifies one migration in every activity call. */
export interface MigrationRef {
  readonly collection: string;
  readonly workflowId: string;
}

export interface MigrationIndexes extends MigrationRef {
  readonly sourceIndex: string;
  readonly targetIndex: string;
  readonly targetSpecId: string;
}

const PROBE_TEXT = 'reembed probe: the quick brown fox jumps over the lazy dog.';
const CATCH_UP_PAGE = 500;
const SAMPLE_QUERIES = 5;
/** How long a dual-write may take between its two indexes. */
const IN_FLIGHT_GRACE_MS = 2_000;
/** Heartbeats while a batch waits on a provider's rate limit, so a long retry-after is not a dead worker. */
const KEEPALIVE_MS = 5_000;

/** Heartbeats `details()` every few seconds until the work is done. */
async function keepingAlive<T>(details: () => unknown, work: () => Promise<T>): Promise<T> {
  const timer = setInterval(() => heartbeat(details()), KEEPALIVE_MS);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

const EMPTY_REPORT: ChunkReport = { cursor: null, migrated: 0, quarantined: 0, quarantineSample: [], tokens: 0, truncated: 0, done: false };

/** Errors a retry cannot fix; the workflow turns them into FAILED with this message. */
function fatal(type: string, message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, type);
}

export function createMigrationActivities(deps: MigrationDeps) {
  const { catalog, providers, store, aliases, registry, quarantine } = deps;

  /** Embeds one sentence to prove the spec works here; returns the tokens it cost. */
  async function probe(spec: ModelSpec): Promise<number> {
    try {
      return (await (await providers.get(spec)).embed([PROBE_TEXT], 'document')).tokens;
    } catch (error) {
      if (error instanceof InvalidEmbeddingError) throw fatal('InvalidModelSpec', `Model spec ${spec.id} failed its probe: ${error.message}`);
      throw error;
    }
  }

  /**
   * Embeds documents for the target and writes them; what could not be embedded is
   * quarantined under the migration and returned.
   */
  async function embedInto(ref: MigrationRef, target: { index: string; spec: ModelSpec }, docs: readonly StoredDocument[], guard?: WriteGuard) {
    const quarantined: QuarantineEntry[] = [];
    const embeddable = docs.filter((d) => {
      if (d.content === undefined || d.content.trim() === '') {
        quarantined.push({ docId: d.id, sourceHash: d.sourceHash, reason: d.content === undefined ? 'the source stores no text for this document' : 'text is empty; there is nothing to embed' });
        return false;
      }
      return true;
    });
    const embedded = await embedIsolatingFailures(await providers.get(target.spec), embeddable.map((d) => d.content!));
    const failedAt = new Set(embedded.failures.map((f) => f.index));
    embedded.failures.forEach((f) => quarantined.push({ docId: embeddable[f.index]!.id, sourceHash: embeddable[f.index]!.sourceHash, reason: f.reason }));
    const written = embeddable.flatMap((d, i) =>
      failedAt.has(i)
        ? []
        : [{ id: d.id, vector: embedded.vectors[i]!, sourceHash: d.sourceHash, content: d.content!, ...(d.metadata ? { metadata: d.metadata } : {}), ...(d.updatedAt ? { updatedAt: d.updatedAt } : {}) }],
    );
    await store.bulkUpsert(target.index, target.spec, written, guard);
    await quarantine.add(ref.collection, ref.workflowId, quarantined);
    return { written: written.length, quarantined, tokens: embedded.tokens, truncated: embedded.truncated };
  }

  /**
   * Source documents among `ids` whose current text the target does not hold, with a guard
   * of the target's versions read *before* the source text. Live dual-writes race with the
   * migration's own writes; writing under that guard, an older text can never overwrite a
   * newer one that a writer put in the target meanwhile (its write wins, ours is skipped).
   */
  async function pendingInTarget(input: MigrationIndexes, ids: readonly string[]): Promise<{ docs: StoredDocument[]; guard: WriteGuard }> {
    const present = await store.getMany(input.targetIndex, ids, false);
    const current = await store.getMany(input.sourceIndex, ids);
    const docs = ids.flatMap((id) => {
      const doc = current.get(id);
      return doc && doc.sourceHash !== present.get(id)?.sourceHash ? [doc] : [];
    });
    return { docs, guard: new Map(docs.map((d) => [d.id, present.get(d.id)?.version ?? null])) };
  }

  /**
   * Copies the source documents among `ids` that the target lacks, under the write guard —
   * or, when their tokens would take `used` past `allowance`, sends nothing and returns null.
   */
  async function copyPending(input: MigrationIndexes, spec: ModelSpec, ids: readonly string[], used: number, allowance: number | null) {
    const pending = await pendingInTarget(input, ids);
    if (await overAllowance(spec, pending.docs, used, allowance)) return null;
    return embedInto(input, { index: input.targetIndex, spec }, pending.docs, pending.guard);
  }

  /**
   * Whether embedding `docs` would take more tokens than `allowance` leaves after `used`;
   * counted with the target model's own tokenizer, as the provider will bill them.
   */
  async function overAllowance(spec: ModelSpec, docs: readonly StoredDocument[], used: number, allowance: number | null): Promise<boolean> {
    if (allowance === null) return false;
    const texts = docs.flatMap((d) => (d.content && d.content.trim() !== '' ? [d.content] : []));
    const needed = (await providers.get(spec)).countTokens(texts, 'document').reduce((sum, n) => sum + Math.min(n, spec.maxTokens), 0);
    return used + needed > allowance;
  }

  /** A backfill report with one more embedded batch counted in. */
  function withBatch<R extends ChunkReport>(report: R, batch: Awaited<ReturnType<typeof embedInto>>): R {
    return {
      ...report,
      migrated: report.migrated + batch.written,
      quarantined: report.quarantined + batch.quarantined.length,
      quarantineSample: [...report.quarantineSample, ...batch.quarantined.map((q) => ({ id: q.docId, reason: q.reason }))].slice(0, MAX_QUARANTINE_SAMPLE),
      tokens: report.tokens + batch.tokens,
      truncated: report.truncated + batch.truncated,
    };
  }

  async function recordCoverage(ref: MigrationRef, coverage: number): Promise<void> {
    await registry.update(ref.collection, (r) =>
      r.migration?.workflowId === ref.workflowId ? { ...r, migration: { ...r.migration, coverage } } : r,
    );
  }

  /**
   * Compares the two indexes by id and text hash: `stale` are source documents missing
   * from the target or with other text (quarantined ones with unchanged text excepted),
   * `extra` are target documents the source no longer has.
   */
  async function differences(input: MigrationIndexes, quarantined: ReadonlyMap<string, string>): Promise<{ stale: string[]; extra: string[] }> {
    // Scans are searches: without a refresh the target (refresh_interval -1 while it
    // loads) would still show what a previous pass deleted, and passes would not converge.
    await Promise.all([store.refresh(input.sourceIndex), store.refresh(input.targetIndex)]);
    const stale: string[] = [];
    const extra: string[] = [];
    for (const [from, to, collect] of [
      [input.sourceIndex, input.targetIndex, 'stale'],
      [input.targetIndex, input.sourceIndex, 'extra'],
    ] as const) {
      for (let after: string | null = null; ; ) {
        const page = await store.scan(from, after, CATCH_UP_PAGE, false);
        if (page.length === 0) break;
        after = page[page.length - 1]!.id;
        const other = await store.getMany(to, page.map((d) => d.id), false);
        for (const d of page) {
          if (collect === 'extra' && !other.has(d.id)) extra.push(d.id);
          if (collect === 'stale' && other.get(d.id)?.sourceHash !== d.sourceHash && quarantined.get(d.id) !== d.sourceHash) stale.push(d.id);
        }
        heartbeat({ after });
      }
    }
    return { stale, extra };
  }

  /** Moves the read alias; a retry after success finds it already moved and does nothing. */
  async function moveAlias(collection: string, from: string, to: string): Promise<void> {
    const targets = await aliases.targets(collection);
    if (targets.length === 1 && targets[0] === to) return;
    if (!(targets.length === 1 && targets[0] === from)) {
      throw fatal('AliasMoved', `Alias "${collection}" points to [${targets.join(', ')}], expected ${from}; someone changed it. Fix the alias, then retry.`);
    }
    await aliases.swap(collection, from, to);
  }

  /** Deletes an index unless any reader could still be using it. */
  async function deleteUnlessServing(collection: string, index: string): Promise<void> {
    const record = await registry.find(collection);
    const aliasTargets = await aliases.targets(collection);
    if (aliasTargets.includes(index) || record?.activeIndex === index) {
      throw fatal('ActiveIndexProtected', `Refusing to delete ${index}: it is the active index of "${collection}".`);
    }
    await store.deleteIndex(index);
  }

  return {
    async prepareMigration(input: MigrationRef & { targetSpecId: string; force: boolean }): Promise<Prepared> {
      const record = await registry.get(input.collection);
      if (record.migration && record.migration.workflowId !== input.workflowId) {
        throw fatal('MigrationInProgress', `Collection "${input.collection}" is already migrating (workflow ${record.migration.workflowId}).`);
      }
      if (!record.storeContent) {
        throw fatal('NoSourceText', `Collection "${input.collection}" stores no text (privacy mode), so its documents cannot be re-embedded from the index.`);
      }
      const sourceSpec = catalog.get(record.activeSpecId);
      const targetSpec = catalog.get(input.targetSpecId);
      if (fingerprint(sourceSpec) === fingerprint(targetSpec)) {
        throw fatal('SameVectorSpace', `Spec ${targetSpec.id} has the same fingerprint as the active spec ${sourceSpec.id}: there is nothing to migrate.`);
      }
      await probe(sourceSpec);
      const probeTokens = await probe(targetSpec);
      const sourceIndex = record.migration?.sourceIndex ?? record.activeIndex;
      const targetIndex = versionedIndexName(input.collection, targetSpec);
      const estimate = await estimateMigration(
        { es: deps.es, store, config: deps.config },
        { sourceIndex, sourceSpec, spec: targetSpec, provider: await providers.get(targetSpec), onPage: (scanned) => heartbeat({ scanned }) },
      );
      const { disk } = estimate;
      if (!disk.fits && !input.force && !record.migration) {
        throw fatal(
          'InsufficientDisk',
          `The new index needs about ${formatBytes(disk.totalBytes)} but Elasticsearch has ${formatBytes(disk.usableBytes)} usable below its high disk watermark ` +
            `(${formatBytes(disk.availableBytes)} free). Free disk space or add a node, or start with force (reembed migrate --force) to go ahead anyway.`,
        );
      }
      await store.ensureIndex(targetIndex, targetSpec, BACKFILL_SETTINGS);
      if (!record.migration) {
        await registry.update(
          input.collection,
          (r) => ({
            ...r,
            migration: { workflowId: input.workflowId, sourceSpecId: sourceSpec.id, sourceIndex, targetSpecId: targetSpec.id, targetIndex, phase: 'PREPARING', coverage: 0, startedAt: new Date().toISOString() },
            // Dual-write from here on: live writes reach the new index while it fills.
            writeTargets: [{ index: sourceIndex, specId: sourceSpec.id }, { index: targetIndex, specId: targetSpec.id }],
          }),
          { event: 'migration-started', detail: { workflowId: input.workflowId, targetSpecId: targetSpec.id, targetIndex } },
        );
      }
      return { sourceSpecId: sourceSpec.id, sourceIndex, targetIndex, estimate, probeTokens };
    },

    async recordPhase(input: MigrationRef & { phase: MigrationPhase }): Promise<void> {
      await registry.update(input.collection, (r) =>
        r.migration?.workflowId === input.workflowId ? { ...r, migration: { ...r.migration, phase: input.phase } } : r,
      );
    },

    /**
     * Copies up to `batches` batches after `cursor`, heartbeating the cursor after each.
     * A retry after a crash resumes from the last heartbeat; re-written documents keep
     * their ids, so nothing is duplicated.
     */
    async backfillChunk(
      input: MigrationIndexes & { cursor: string | null; batchSize: number; batches: number; doneBefore: number; total: number; tokenAllowance: number | null },
    ): Promise<ChunkReport> {
      const spec = catalog.get(input.targetSpecId);
      const resumed = activityInfo().heartbeatDetails as ChunkReport | undefined;
      let report: ChunkReport = resumed ?? { ...EMPTY_REPORT, cursor: input.cursor };
      await keepingAlive(
        () => report,
        async () => {
          for (let b = 0; b < input.batches && !report.done; b++) {
            const docs = await store.scan(input.sourceIndex, report.cursor, input.batchSize, false);
            if (docs.length === 0) {
              report = { ...report, done: true };
              break;
            }
            // Documents the hot-first pass (or live dual-writes) already put there are skipped.
            const batch = await copyPending(input, spec, docs.map((d) => d.id), report.tokens, input.tokenAllowance);
            if (!batch) {
              report = { ...report, budgetReached: true };
              break;
            }
            report = { ...withBatch(report, batch), cursor: docs[docs.length - 1]!.id, done: docs.length < input.batchSize };
            heartbeat(report);
          }
        },
      );
      const done = input.doneBefore + report.migrated + report.quarantined;
      await recordCoverage(input, report.done || input.total === 0 ? 1 : Math.min(1, done / input.total));
      return report;
    },

    /**
     * Copies the most-searched documents first (from the router's access statistics), so
     * the part of the corpus users actually see is in the new index early. Heartbeats its
     * position; the regular backfill then skips what this pass copied.
     */
    async backfillHot(input: MigrationIndexes & { limit: number; batchSize: number; tokenAllowance: number | null }): Promise<ChunkReport> {
      const spec = catalog.get(input.targetSpecId);
      const hot = await AccessStats.hottest(deps.es, input.collection, input.limit);
      const resumed = activityInfo().heartbeatDetails as (ChunkReport & { offset: number }) | undefined;
      let report = resumed ?? { ...EMPTY_REPORT, offset: 0 };
      await keepingAlive(
        () => report,
        async () => {
          for (let offset = report.offset; offset < hot.length; offset += input.batchSize) {
            const batch = await copyPending(input, spec, hot.slice(offset, offset + input.batchSize), report.tokens, input.tokenAllowance);
            if (!batch) {
              report = { ...report, budgetReached: true };
              return;
            }
            report = { ...withBatch(report, batch), offset: offset + input.batchSize };
            heartbeat(report);
          }
        },
      );
      const { offset: _offset, ...chunk } = report;
      return { ...chunk, cursor: null, done: !report.budgetReached };
    },

    /**
     * One pass that makes the target agree with the source: documents missing or with a
     * different text hash are re-embedded, documents gone from the source are deleted.
     * Quarantined documents whose text has not changed are left alone.
     */
    async catchUpPass(input: MigrationIndexes & { tokenAllowance: number | null }) {
      const spec = catalog.get(input.targetSpecId);
      const known = await quarantine.hashes(input.workflowId);
      const { stale, extra } = await differences(input, known);
      let reembedded = 0;
      let tokens = 0;
      let truncated = 0;
      let budgetReached = false;
      const newlyQuarantined: QuarantineEntry[] = [];
      await keepingAlive(
        () => ({ reembedded }),
        async () => {
          for (let i = 0; i < stale.length; i += CATCH_UP_PAGE) {
            const result = await copyPending(input, spec, stale.slice(i, i + CATCH_UP_PAGE), tokens, input.tokenAllowance);
            if (!result) {
              budgetReached = true;
              return;
            }
            reembedded += result.written;
            tokens += result.tokens;
            truncated += result.truncated;
            newlyQuarantined.push(...result.quarantined);
            heartbeat({ reembedded });
          }
        },
      );
      // Target version first, then the source: a document a writer re-created meanwhile is kept.
      const inTarget = await store.getMany(input.targetIndex, extra, false);
      const inSource = await store.getMany(input.sourceIndex, [...inTarget.keys()], false);
      const gone = [...inTarget.values()].filter((d) => !inSource.has(d.id));
      const { superseded } = await store.deleteDocuments(input.targetIndex, gone.map((d) => d.id), new Map(gone.map((d) => [d.id, d.version ?? null])));
      const deleted = gone.length - superseded.length;
      const stillBad = new Set(newlyQuarantined.map((q) => q.docId));
      await quarantine.remove(input.workflowId, stale.filter((id) => known.has(id) && !stillBad.has(id)));
      return { reembedded, deleted, quarantined: newlyQuarantined.length, tokens, truncated, budgetReached };
    },

    /** Restores serving settings, then checks coverage, vector integrity and a few searches. */
    async verifyMigration(input: MigrationIndexes): Promise<VerificationReport> {
      const spec = catalog.get(input.targetSpecId);
      await store.updateSettings(input.targetIndex, { ...SERVING_SETTINGS, number_of_replicas: await store.numberOfReplicas(input.sourceIndex) });
      const known = await quarantine.hashes(input.workflowId);
      const found = await differences(input, known);
      const problems: string[] = [];
      if (found.stale.length + found.extra.length > 0) {
        // Live writes land on the two indexes one after the other; what still differs after
        // a moment (checked with real-time gets) is a real gap, not a write in flight.
        await new Promise((r) => setTimeout(r, IN_FLIGHT_GRACE_MS));
        const ids = [...found.stale, ...found.extra];
        const [inSource, inTarget] = await Promise.all([store.getMany(input.sourceIndex, ids, false), store.getMany(input.targetIndex, ids, false)]);
        const missing = ids.filter((id) => inSource.has(id) && inSource.get(id)!.sourceHash !== inTarget.get(id)?.sourceHash && known.get(id) !== inSource.get(id)!.sourceHash);
        const extra = ids.filter((id) => !inSource.has(id) && inTarget.has(id));
        if (missing.length > 0) problems.push(`${missing.length} source document(s) are neither in the new index (with the same text) nor quarantined, e.g. ${missing.slice(0, 3).join(', ')}`);
        if (extra.length > 0) problems.push(`${extra.length} document(s) in the new index are gone from the source, e.g. ${extra.slice(0, 3).join(', ')}`);
      }
      await Promise.all([store.refresh(input.sourceIndex), store.refresh(input.targetIndex)]);
      const [sourceCount, targetCount, prints] = await Promise.all([store.count(input.sourceIndex), store.count(input.targetIndex), store.fingerprints(input.targetIndex)]);
      const quarantined = known.size;
      const expected = fingerprint(spec);
      for (const [print, count] of prints) {
        if (print !== expected) problems.push(`${count} document(s) carry fingerprint ${print}, expected ${expected}`);
      }
      const provider = await providers.get(spec);
      const sample = (await store.scan(input.targetIndex, null, SAMPLE_QUERIES)).filter((d) => d.content);
      let sampleHits = 0;
      let tokens = 0;
      for (const doc of sample) {
        const { vectors, tokens: used } = await provider.embed([doc.content!], 'query');
        tokens += used;
        const hits = await store.knnSearch(input.targetIndex, vectors[0]!, 10);
        if (hits.some((h) => h.id === doc.id)) sampleHits++;
      }
      if (sampleHits < sample.length) problems.push(`only ${sampleHits} of ${sample.length} documents found themselves in a top-10 search`);
      const covered = sourceCount === 0 ? 1 : Math.min(1, (targetCount + quarantined) / sourceCount);
      await recordCoverage(input, covered);
      return {
        ok: problems.length === 0,
        sourceCount,
        targetCount,
        quarantined,
        coverage: covered,
        fingerprints: Object.fromEntries(prints),
        sampleQueries: sample.length,
        sampleHits,
        problems,
        tokens,
      };
    },

    /** The atomic alias swap, then the registry records the new active index. */
    async cutover(input: MigrationIndexes & { approver: string }): Promise<void> {
      await moveAlias(input.collection, input.sourceIndex, input.targetIndex);
      const record = await registry.get(input.collection);
      const sourceSpecId = record.migration?.sourceSpecId ?? record.activeSpecId;
      await registry.update(
        input.collection,
        (r) => ({
          ...r,
          activeSpecId: input.targetSpecId,
          activeIndex: input.targetIndex,
          // The old index keeps receiving writes through retention so rollback loses nothing.
          writeTargets: [{ index: input.targetIndex, specId: input.targetSpecId }, { index: input.sourceIndex, specId: sourceSpecId }],
          migration: r.migration ? { ...r.migration, phase: 'RETENTION' } : null,
        }),
        { event: 'cutover', detail: { workflowId: input.workflowId, from: input.sourceIndex, to: input.targetIndex, approver: input.approver } },
      );
    },

    async rollbackCutover(input: MigrationIndexes & { by: string; reason: string }): Promise<void> {
      await moveAlias(input.collection, input.targetIndex, input.sourceIndex);
      const record = await registry.get(input.collection);
      const sourceSpecId = record.migration?.sourceSpecId ?? record.activeSpecId;
      await registry.update(
        input.collection,
        (r) => ({ ...r, activeSpecId: sourceSpecId, activeIndex: input.sourceIndex, writeTargets: [{ index: input.sourceIndex, specId: sourceSpecId }], migration: null }),
        { event: 'rolled-back', detail: { workflowId: input.workflowId, by: input.by, reason: input.reason, restored: input.sourceIndex } },
      );
    },

    /** After retention: stop writing the old index (the workflow deletes it once writers have seen that). */
    async finishMigration(input: MigrationIndexes): Promise<void> {
      await registry.update(
        input.collection,
        (r) => ({ ...r, writeTargets: [{ index: input.targetIndex, specId: input.targetSpecId }], migration: null }),
        { event: 'completed', detail: { workflowId: input.workflowId, retired: input.sourceIndex } },
      );
    },

    /** Deletes an index no longer written; refuses the one the alias or registry serves from. */
    async deleteRetiredIndex(input: MigrationRef & { index: string }): Promise<void> {
      await deleteUnlessServing(input.collection, input.index);
    },

    /** Before cutover (rejected, failed or cancelled): dual-write off; the workflow then deletes the new index. */
    async abandonMigration(input: MigrationRef & { outcome: MigrationPhase; reason: string }): Promise<void> {
      const record = await registry.find(input.collection);
      if (record?.migration?.workflowId === input.workflowId) {
        await registry.update(
          input.collection,
          (r) => ({ ...r, writeTargets: [{ index: r.activeIndex, specId: r.activeSpecId }], migration: null }),
          { event: input.outcome.toLowerCase(), detail: { workflowId: input.workflowId, reason: input.reason } },
        );
      }
    },
  };
}

export type MigrationActivities = ReturnType<typeof createMigrationActivities>;
