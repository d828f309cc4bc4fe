import type { Client } from '@elastic/elasticsearch';
import { BookkeepingIndex, BOOKKEEPING_REFRESH } from './create-index.js';

export const QUARANTINE_INDEX = 'reembed-quarantine';

export interface QuarantineEntry {
  readonly docId: string;
  readonly sourceHash: string;
  readonly reason: string;
}

interface QuarantineSource {
  collection: string;
  workflow_id: string;
  doc_id: string;
  source_hash: string;
  reason: string;
  at: string;
}

/**
 * Documents a migration could not embed, kept in Elasticsearch rather than in workflow
 * history so a million bad documents cost the workflow nothing. Nothing is dropped
 * silently: `status` reports the count and the entries.
 */
export class QuarantineStore {
  private readonly index: BookkeepingIndex;

  constructor(private readonly es: Client) {
    this.index = new BookkeepingIndex(es, {
      index: QUARANTINE_INDEX,
      mappings: {
        properties: {
          collection: { type: 'keyword' },
          workflow_id: { type: 'keyword' },
          doc_id: { type: 'keyword' },
          source_hash: { type: 'keyword' },
          reason: { type: 'text' },
          at: { type: 'date' },
        },
      },
    });
  }

  async add(collection: string, workflowId: string, entries: readonly QuarantineEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await this.index.ensure();
    const at = new Date().toISOString();
    const operations = entries.flatMap((e) => [
      { index: { _index: QUARANTINE_INDEX, _id: `${workflowId}:${e.docId}` } },
      { collection, workflow_id: workflowId, doc_id: e.docId, source_hash: e.sourceHash, reason: e.reason, at } satisfies QuarantineSource,
    ]);
    const response = await this.es.bulk({ operations, refresh: BOOKKEEPING_REFRESH });
    if (response.errors) throw new Error(`Could not record ${entries.length} quarantined document(s) in ${QUARANTINE_INDEX}`);
  }

  async remove(workflowId: string, docIds: readonly string[]): Promise<void> {
    if (docIds.length === 0) return;
    await this.es.bulk({
      operations: docIds.map((id) => ({ delete: { _index: QUARANTINE_INDEX, _id: `${workflowId}:${id}` } })),
      refresh: BOOKKEEPING_REFRESH,
    });
  }

  /** Every quarantined document of a migration: doc id → the text hash that failed. */
  async hashes(workflowId: string): Promise<Map<string, string>> {
    return new Map((await this.all(workflowId)).map((e) => [e.docId, e.sourceHash]));
  }

  /** Every quarantined document of a migration, in doc_id order. */
  async all(workflowId: string): Promise<QuarantineEntry[]> {
    const found: QuarantineEntry[] = [];
    let after: string | null = null;
    for (;;) {
      const page = await this.page(workflowId, after, 1000);
      if (page.length === 0) return found;
      found.push(...page);
      after = page[page.length - 1]!.docId;
    }
  }

  async list(workflowId: string, limit: number): Promise<QuarantineEntry[]> {
    return this.page(workflowId, null, limit);
  }

  async count(workflowId: string): Promise<number> {
    // ignore_unavailable: before the first quarantined document there is no index, and no count.
    return (await this.es.count({ index: QUARANTINE_INDEX, ignore_unavailable: true, query: { term: { workflow_id: workflowId } } })).count;
  }

  private async page(workflowId: string, after: string | null, size: number): Promise<QuarantineEntry[]> {
    const response = await this.es.search<QuarantineSource>({
      index: QUARANTINE_INDEX,
      ignore_unavailable: true,
      size,
      query: { term: { workflow_id: workflowId } },
      sort: [{ doc_id: 'asc' }],
      ...(after !== null ? { search_after: [after] } : {}),
    });
    return response.hits.hits.map((h) => ({ docId: h._source!.doc_id, sourceHash: h._source!.source_hash, reason: h._source!.reason }));
  }
}
