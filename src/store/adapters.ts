import type { Client } from '@elastic/elasticsearch';
import { z } from 'zod';
import type { AdapterReport } from '../adapter/adapter-fit.js';
import type { AdapterJudgement } from '../adapter/adapter-judgement.js';
import { LinearMap } from '../adapter/linear-map.js';
import { BookkeepingIndex, BOOKKEEPING_REFRESH } from './create-index.js';

export const ADAPTER_INDEX = 'reembed-adapters';
const MAPPINGS = { dynamic: false, properties: { collection: { type: 'keyword' }, fittedAt: { type: 'date' } } } as const;

const mapSchema = z.object({
  method: z.enum(['procrustes', 'ridge']),
  fromDims: z.int(),
  toDims: z.int(),
  weights: z.string(),
  fromMean: z.string().optional(),
  toMean: z.string().optional(),
});
const storedSchema = z.object({
  collection: z.string(),
  sourceIndex: z.string(),
  targetIndex: z.string(),
  sourceSpecId: z.string(),
  targetSpecId: z.string(),
  fittedAt: z.string(),
  minRecall: z.number(),
  report: z.custom<AdapterReport>((v) => typeof v === 'object' && v !== null && 'recall' in v),
  /** Absent in adapters fitted before they were judged against their alternative: minRecall gated them. */
  judgement: z.custom<{ documents: AdapterJudgement; queries: AdapterJudgement }>((v) => typeof v === 'object' && v !== null && 'documents' in v).optional(),
  maps: z.object({ oldToNew: mapSchema, newToOld: mapSchema }),
});
type Stored = z.infer<typeof storedSchema>;

/** What status and the CLI show of an adapter: everything but its weights. */
export type AdapterSummary = Omit<Stored, 'maps'> & { readonly usable: { readonly documents: boolean; readonly queries: boolean } };

export interface Adapter {
  readonly summary: AdapterSummary;
  readonly oldToNew: LinearMap;
  readonly newToOld: LinearMap;
}

const usable = (s: Pick<Stored, 'report' | 'minRecall' | 'judgement'>) => ({
  documents: s.judgement?.documents.usable ?? s.report.recall.documents >= s.minRecall,
  queries: s.judgement?.queries.usable ?? s.report.recall.queries >= s.minRecall,
});

/**
 * The fitted adapters of each migration (source index → target index), in one of reembed's
 * own indexes: the two maps' weights (and means) as base64 float32, with the measurements and
 * the judgement that decide where they are used.
 */
export class AdapterStore {
  private readonly index: BookkeepingIndex;

  constructor(private readonly es: Client) {
    this.index = new BookkeepingIndex(es, { index: ADAPTER_INDEX, mappings: MAPPINGS });
  }

  async save(adapter: Omit<Stored, 'maps'>, maps: { oldToNew: LinearMap; newToOld: LinearMap }): Promise<AdapterSummary> {
    await this.index.ensure();
    const document: Stored = { ...adapter, maps: { oldToNew: maps.oldToNew.toJSON(), newToOld: maps.newToOld.toJSON() } };
    await this.es.index({
      index: ADAPTER_INDEX,
      id: this.id(adapter.collection, adapter.sourceIndex, adapter.targetIndex),
      document,
      refresh: BOOKKEEPING_REFRESH,
    });
    return { ...adapter, usable: usable(adapter) };
  }

  async find(collection: string, sourceIndex: string, targetIndex: string): Promise<Adapter | null> {
    await this.index.ensure();
    const response = await this.es.get<Stored>({ index: ADAPTER_INDEX, id: this.id(collection, sourceIndex, targetIndex) }, { ignore: [404] });
    if (!response.found) return null;
    const { maps, ...rest } = storedSchema.parse(response._source);
    return { summary: { ...rest, usable: usable(rest) }, oldToNew: LinearMap.fromJSON(maps.oldToNew), newToOld: LinearMap.fromJSON(maps.newToOld) };
  }

  /** The collection's adapters without their weights, newest first. */
  async list(collection: string): Promise<AdapterSummary[]> {
    await this.index.ensure();
    const response = await this.es.search<Stored>({
      index: ADAPTER_INDEX,
      size: 100,
      query: { term: { collection } },
      sort: [{ fittedAt: 'desc' }],
      _source: { excludes: ['maps'] },
    });
    return response.hits.hits.map((h) => {
      const s = storedSchema.omit({ maps: true }).parse(h._source);
      return { ...s, usable: usable(s) };
    });
  }

  async clear(collection: string): Promise<void> {
    await this.index.ensure();
    const ids = (await this.list(collection)).map((a) => this.id(collection, a.sourceIndex, a.targetIndex));
    if (ids.length > 0) await this.es.bulk({ operations: ids.map((id) => ({ delete: { _index: ADAPTER_INDEX, _id: id } })), refresh: BOOKKEEPING_REFRESH });
  }

  private id(collection: string, sourceIndex: string, targetIndex: string): string {
    return `${collection}:${sourceIndex}->${targetIndex}`;
  }
}
