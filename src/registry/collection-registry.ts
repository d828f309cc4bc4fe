import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@elastic/elasticsearch';
import { CollectionNotFoundError, InvalidRegistryRecordError } from '../errors.js';
import type { RecordTransition } from '../migration/registry-transitions.js';
import { BookkeepingIndex, BOOKKEEPING_REFRESH } from '../store/create-index.js';
import { collectionRecordSchema, type CollectionRecord, type HistoryEvent } from './collection-record.js';

export const REGISTRY_INDEX = 'reembed-registry';
/** History is for people reading `status`; the newest events are the useful ones. */
const MAX_HISTORY = 100;
/**
 * Attempts before giving up on a contended record. With n updates at once one of them can
 * lose n − 1 rounds, so this stays well above how many processes update one collection's
 * record at the same time; jittered backoff spreads the rounds out.
 */
const MAX_CONFLICT_RETRIES = 20;
const conflictBackoff = (attempt: number) => sleep(Math.random() * Math.min(500, 20 * 2 ** attempt));

const isConflict = (error: unknown) => (error as { meta?: { statusCode?: number } }).meta?.statusCode === 409;

/**
 * Each collection's active spec and index, write targets and running migration, in one
 * small Elasticsearch index. Every change is a read-modify-write guarded by
 * if_seq_no/if_primary_term, retried on conflict, so concurrent writers never lose an update.
 */
export class CollectionRegistry {
  private readonly index: BookkeepingIndex;

  constructor(private readonly es: Client) {
    this.index = new BookkeepingIndex(es, {
      index: REGISTRY_INDEX,
      mappings: { dynamic: false, properties: { collection: { type: 'keyword' }, updatedAt: { type: 'date' } } },
    });
  }

  async find(collection: string): Promise<CollectionRecord | null> {
    return (await this.read(collection))?.record ?? null;
  }

  async get(collection: string): Promise<CollectionRecord> {
    const record = await this.find(collection);
    if (!record) throw new CollectionNotFoundError(collection);
    return record;
  }

  /** Creates the record; returns false (and changes nothing) when it already exists. */
  async create(record: CollectionRecord): Promise<boolean> {
    try {
      await this.es.create({ index: REGISTRY_INDEX, id: record.collection, document: collectionRecordSchema.parse(record), refresh: BOOKKEEPING_REFRESH });
      return true;
    } catch (error) {
      if (isConflict(error)) return false;
      throw error;
    }
  }

  /**
   * Applies `change` to the current record and writes it back only if nobody else wrote
   * in between; on a conflict it re-reads and re-applies. `change` must be a pure function
   * of the record it is given.
   */
  async update(
    collection: string,
    change: (record: CollectionRecord) => CollectionRecord,
    event?: Omit<HistoryEvent, 'at'>,
    options: { refresh?: boolean } = {},
  ): Promise<CollectionRecord> {
    for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt++) {
      const current = await this.read(collection);
      if (!current) throw new CollectionNotFoundError(collection);
      const now = new Date().toISOString();
      const changed = change(current.record);
      // A change that leaves the record as it is (another migration owns it) writes nothing.
      if (changed === current.record && !event) return current.record;
      const history = event ? [...changed.history, { ...event, at: now }].slice(-MAX_HISTORY) : changed.history;
      const next = collectionRecordSchema.parse({ ...changed, history, updatedAt: now });
      try {
        await this.es.index({
          index: REGISTRY_INDEX,
          id: collection,
          document: next,
          if_seq_no: current.seqNo,
          if_primary_term: current.primaryTerm,
          refresh: options.refresh === false ? false : BOOKKEEPING_REFRESH,
        });
        return next;
      } catch (error) {
        if (!isConflict(error)) throw error;
        await conflictBackoff(attempt);
      }
    }
    throw new Error(`Registry record of "${collection}" kept changing under ${MAX_CONFLICT_RETRIES} attempts to update it; retry the operation.`);
  }

  /** Applies one of the migration's registry transitions. */
  async apply(collection: string, transition: RecordTransition): Promise<CollectionRecord> {
    return this.update(collection, transition.change, transition.event, { refresh: transition.refresh });
  }

  async list(): Promise<CollectionRecord[]> {
    await this.index.ensure();
    const response = await this.es.search({ index: REGISTRY_INDEX, size: 1000, sort: [{ collection: 'asc' }] });
    return response.hits.hits.map((hit) => collectionRecordSchema.parse(hit._source));
  }

  async remove(collection: string): Promise<void> {
    await this.es.delete({ index: REGISTRY_INDEX, id: collection, refresh: BOOKKEEPING_REFRESH }, { ignore: [404] });
  }

  private async read(collection: string): Promise<{ record: CollectionRecord; seqNo: number; primaryTerm: number } | null> {
    await this.index.ensure();
    const response = await this.es.get({ index: REGISTRY_INDEX, id: collection }, { ignore: [404] });
    if (!response.found) return null;
    const parsed = collectionRecordSchema.safeParse(response._source);
    if (!parsed.success) {
      throw new InvalidRegistryRecordError(
        `Registry record of "${collection}" in ${REGISTRY_INDEX} is not valid (${parsed.error.issues[0]?.message}); it was written by an incompatible version or by hand.`,
      );
    }
    return { record: parsed.data, seqNo: response._seq_no!, primaryTerm: response._primary_term! };
  }
}
