import type { Client } from '@elastic/elasticsearch';
import { IndexBlockedError } from '../errors.js';
import { supersededByConflict, writeCondition, type WriteOrder } from '../migration/write-ordering.js';

export class BulkWriteError extends Error {
  override readonly name = 'BulkWriteError';
  constructor(readonly failures: ReadonlyArray<{ id: string; reason: string }>) {
    super(`${failures.length} document(s) failed to index; first: ${failures[0]?.id}: ${failures[0]?.reason}`);
  }
}

/** The bulk action line of one write, its ordering (see write-ordering.ts) in Elasticsearch's options. */
export function orderedOperation(action: 'index' | 'delete', index: string, id: string, order?: WriteOrder): object {
  const target = { _index: index, _id: id };
  const condition = writeCondition(action, id, order);
  switch (condition.kind) {
    case 'external':
      return { [action]: { ...target, version: condition.version, version_type: 'external' } };
    case 'ifVersion':
      return { [action]: { ...target, if_seq_no: condition.seqNo, if_primary_term: condition.primaryTerm } };
    case 'ifAbsent':
      return { create: target };
    case 'unconditional':
      return { [action]: target };
  }
}

/**
 * Sends one bulk request of ordered writes. A conflict on an ordered write means a newer write
 * won: the id is returned as superseded. A write block stops the batch (IndexBlockedError, the
 * migration pauses); any other item error fails it.
 */
export async function orderedBulk(es: Client, operations: object[], order?: WriteOrder): Promise<{ superseded: string[] }> {
  const response = await es.bulk({ operations });
  const superseded: string[] = [];
  const failures: { id: string; reason: string }[] = [];
  for (const item of response.items) {
    const result = item.index ?? item.create ?? item.delete;
    if (!result) continue;
    const id = String(result._id);
    if (result.status === 409 && supersededByConflict(id, order)) superseded.push(id);
    else if (result.error?.type === 'cluster_block_exception') throw new IndexBlockedError(result._index, result.error.reason ?? 'blocked');
    else if (result.error) failures.push({ id, reason: `${result.error.type}: ${result.error.reason}` });
  }
  if (failures.length > 0) throw new BulkWriteError(failures);
  return { superseded };
}
