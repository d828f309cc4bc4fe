import type { Client } from '@elastic/elasticsearch';
import { z } from 'zod';
import { BookkeepingIndex, BOOKKEEPING_REFRESH } from './create-index.js';

export const RETIRED_SPECS_INDEX = 'reembed-retired-specs';
const retiredSchema = z.object({ specId: z.string(), retiredAt: z.string(), by: z.string() });
export type RetiredSpec = z.infer<typeof retiredSchema>;

/**
 * Specs whose model can no longer embed (the provider retired it). Searches never embed a
 * query with a retired spec: while a migration from it runs, the router maps the new spec's
 * query vector into the old space through the migration's adapter.
 */
export class RetiredSpecs {
  private readonly index: BookkeepingIndex;

  constructor(private readonly es: Client) {
    this.index = new BookkeepingIndex(es, { index: RETIRED_SPECS_INDEX, mappings: { dynamic: false, properties: { specId: { type: 'keyword' } } } });
  }

  async retire(specId: string, by: string): Promise<RetiredSpec> {
    await this.index.ensure();
    const record = { specId, retiredAt: new Date().toISOString(), by };
    await this.es.index({ index: RETIRED_SPECS_INDEX, id: specId, document: record, refresh: BOOKKEEPING_REFRESH });
    return record;
  }

  /** Returns false when the spec was not retired. */
  async restore(specId: string): Promise<boolean> {
    await this.index.ensure();
    const response = await this.es.delete({ index: RETIRED_SPECS_INDEX, id: specId, refresh: BOOKKEEPING_REFRESH }, { ignore: [404] });
    return response.result === 'deleted';
  }

  async ids(): Promise<Set<string>> {
    return new Set((await this.list()).map((r) => r.specId));
  }

  async list(): Promise<RetiredSpec[]> {
    await this.index.ensure();
    const response = await this.es.search<RetiredSpec>({ index: RETIRED_SPECS_INDEX, size: 1_000 });
    return response.hits.hits.map((h) => retiredSchema.parse(h._source));
  }
}
