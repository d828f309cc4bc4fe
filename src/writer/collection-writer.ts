import { z } from 'zod';
import type { LinearMap } from '../adapter/linear-map.js';
import { RetirementView } from '../adapter/retirement-view.js';
import { sourceHash } from '../corpus/source-hash.js';
import { embedIsolatingFailures } from '../embedding/embed-isolating-failures.js';
import type { ProviderPool } from '../embedding/provider-pool.js';
import type { SpecCatalog } from '../embedding/spec-catalog.js';
import { collectionNameSchema, type CollectionRecord } from '../registry/collection-record.js';
import { REGISTRY_CACHE_MS } from '../migration/writer-staleness.js';
import { CachedRegistry } from '../registry/cached-registry.js';
import type { CollectionRegistry } from '../registry/collection-registry.js';
import type { AdapterStore } from '../store/adapters.js';
import type { AliasStore } from '../store/aliases.js';
import type { RetiredSpecs } from '../store/retired-specs.js';
import { SERVING_SETTINGS, versionedIndexName } from '../store/vector-index-layout.js';
import type { VectorIndexStore } from '../store/vector-index.js';
import { nextWriteVersion } from './write-version.js';

/** A document as other services hand it to reembed. */
/** Elasticsearch refuses a longer `_id`, and with it the whole bulk request it is in. */
const MAX_ID_BYTES = 512;

export const documentIdSchema = z
  .union([z.string().min(1, 'id is empty'), z.number()], {
    error: (issue) => `id must be a string or a number, not ${Array.isArray(issue.input) ? 'an array' : typeof issue.input}`,
  })
  .transform(String)
  .refine((id) => Buffer.byteLength(id, 'utf8') <= MAX_ID_BYTES, {
    error: (issue) => `id is ${Buffer.byteLength(String(issue.input), 'utf8')} bytes; Elasticsearch allows at most ${MAX_ID_BYTES}`,
  });

export const writeDocumentSchema = z.object({
  id: documentIdSchema,
  text: z.string(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  updatedAt: z.iso.datetime({ offset: true }).optional(),
});
export type WriteDocument = z.input<typeof writeDocumentSchema>;

export interface WriteResult {
  readonly written: number;
  /** Documents no index accepted, with why; never silently dropped. */
  readonly failed: { readonly id: string; readonly reason: string }[];
  readonly tokens: number;
}

export interface WriterDeps {
  readonly registry: CollectionRegistry;
  readonly store: VectorIndexStore;
  readonly aliases: AliasStore;
  readonly catalog: SpecCatalog;
  readonly providers: ProviderPool;
  readonly retiredSpecs: RetiredSpecs;
  readonly adapters: AdapterStore;
}

/**
 * The write path other services import. Every upsert and delete goes to every write
 * target the registry lists — one index normally, two while a migration runs — each
 * embedded with that index's own model spec.
 */
export class CollectionWriter {
  private readonly records: CachedRegistry;
  private readonly retirement: RetirementView;

  /** `registryCacheMs` bounds how long a change of write targets takes to reach this writer. */
  constructor(
    private readonly deps: WriterDeps,
    registryCacheMs = REGISTRY_CACHE_MS,
  ) {
    this.records = new CachedRegistry(deps.registry, registryCacheMs);
    this.retirement = new RetirementView(deps, registryCacheMs);
  }

  /**
   * The write targets whose spec can still embed, and for the migration's old index when its
   * spec is retired, the map of the new vectors into its space (null: no adapter
   * passed its gate, so the old index — about to be replaced — keeps its previous copy).
   */
  private async embeddingTargets(
    collection: string,
    record: CollectionRecord,
  ): Promise<{ live: CollectionRecord['writeTargets']; mapped: { index: string; specId: string; toOld: LinearMap; from: string } | null }> {
    const retired = await this.retirement.retiredIds();
    const live = record.writeTargets.filter((t) => !retired.has(t.specId));
    const m = record.migration;
    const old = record.writeTargets.find((t) => retired.has(t.specId));
    if (!old || !m || old.index !== m.sourceIndex || live.length === 0) return { live, mapped: null };
    const toOld = await this.retirement.queryMap(collection, m.sourceIndex, m.targetIndex);
    return { live, mapped: toOld ? { ...old, toOld, from: m.targetIndex } : null };
  }

  /** Creates the collection's first index, its read alias and registry record, if missing. */
  async createCollection(collection: string, specId: string, options: { storeContent: boolean }): Promise<CollectionRecord> {
    collectionNameSchema.parse(collection);
    const existing = await this.deps.registry.find(collection);
    if (existing) return existing;
    const spec = this.deps.catalog.get(specId);
    const index = versionedIndexName(collection, spec);
    if (!(await this.deps.store.ensureIndex(index, spec, SERVING_SETTINGS))) {
      throw new Error(
        `Index ${index} already exists but no collection "${collection}" is registered (left over from an older reembed or made by hand). ` +
          'Delete that index or pick another collection name.',
      );
    }
    if ((await this.deps.aliases.targets(collection)).length === 0) await this.deps.aliases.create(collection, index);
    const now = new Date().toISOString();
    await this.deps.registry.create({
      collection,
      alias: collection,
      storeContent: options.storeContent,
      activeSpecId: spec.id,
      activeIndex: index,
      writeTargets: [{ index, specId: spec.id }],
      migration: null,
      history: [{ at: now, event: 'created', detail: { specId: spec.id, index, storeContent: options.storeContent } }],
      createdAt: now,
      updatedAt: now,
    });
    return this.deps.registry.get(collection);
  }

  async upsert(collection: string, input: readonly WriteDocument[]): Promise<WriteResult> {
    const docs = input.map((d) => writeDocumentSchema.parse(d));
    const record = await this.records.get(collection);
    const failed = new Map<string, string>();
    for (const d of docs) if (d.text.trim() === '') failed.set(d.id, 'text is empty; there is nothing to embed');
    const embeddable = docs.filter((d) => !failed.has(d.id));
    // The version is taken before anything is embedded, and every index gets the same one:
    // each index keeps the newest write of a document, so all of them end up alike.
    const version = nextWriteVersion();
    const { live, mapped } = await this.embeddingTargets(collection, record);
    if (live.length === 0 && !mapped) {
      // Skipping every index would report the documents written while nothing holds them.
      const specs = [...new Set(record.writeTargets.map((t) => t.specId))].join(', ');
      const reason = `every index of "${collection}" is on a retired spec (${specs}), so nothing can embed it: migrate the collection to a current spec, or \`reembed spec restore\` if the model is back`;
      for (const d of embeddable) failed.set(d.id, reason);
    }
    // Every target's vectors first, then the writes back to back: the gap in which another
    // writer can come between this write's indexes is a few milliseconds, not an embedding call.
    const fresh = await Promise.all(
      live.map(async (target) => {
        const spec = this.deps.catalog.get(target.specId);
        const embedded = await embedIsolatingFailures(
          await this.deps.providers.get(spec),
          embeddable.map((d) => d.text),
        );
        embedded.failures.forEach((f) => failed.set(embeddable[f.index]!.id, `${spec.id}: ${f.reason}`));
        return { target, spec, embedded };
      }),
    );
    const source = mapped && fresh.find((e) => e.target.index === mapped.from);
    const embeddings = source
      ? [
          ...fresh,
          {
            target: mapped,
            spec: this.deps.catalog.get(mapped.specId),
            embedded: { ...source.embedded, tokens: 0, vectors: source.embedded.vectors.map((v) => v && mapped.toOld.apply(v)) },
          },
        ]
      : fresh;
    let tokens = 0;
    for (const { target, spec, embedded } of embeddings) {
      tokens += embedded.tokens;
      await this.deps.store.bulkUpsert(
        target.index,
        spec,
        embeddable.flatMap((d, i) => {
          const vector = embedded.vectors[i];
          if (!vector || failed.has(d.id)) return [];
          return [
            {
              id: d.id,
              vector,
              sourceHash: sourceHash(d.text),
              ...(record.storeContent ? { content: d.text } : {}),
              ...(d.metadata ? { metadata: d.metadata } : {}),
              ...(d.updatedAt ? { updatedAt: d.updatedAt } : {}),
            },
          ];
        }),
        { version },
      );
    }
    return { written: docs.length - failed.size, failed: [...failed].map(([id, reason]) => ({ id, reason })), tokens };
  }

  /** Deletes from every write target, leaving a versioned tombstone that an older write in flight cannot get past. */
  async delete(collection: string, ids: readonly string[]): Promise<void> {
    const valid = ids.map((id) => documentIdSchema.parse(id));
    const record = await this.records.get(collection);
    const version = nextWriteVersion();
    for (const target of record.writeTargets) await this.deps.store.deleteDocuments(target.index, valid, { version });
  }
}
