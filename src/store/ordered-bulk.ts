import { setTimeout as sleep } from 'node:timers/promises';
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
    case 'ifSeqNo':
      return { [action]: { ...target, if_seq_no: condition.seqNo, if_primary_term: condition.primaryTerm } };
    case 'ifAbsent':
      return { create: target };
    case 'unconditional':
      return { [action]: target };
  }
}

/** One bulk action: its action line and, for an index action, the document. */
export interface BulkAction {
  readonly line: object;
  readonly document?: object;
}

export interface BulkOutcome {
  /** Ids whose ordered write lost to a newer one. */
  readonly superseded: string[];
  /** Items a node rejected for a full write queue (429) and that were sent again, counted per attempt. */
  readonly rejections: number;
}

/** Waits between re-sends of rejected items: doubling from the first, capped; about 21 s in all before giving up. */
export interface Backoff {
  readonly firstMs: number;
  readonly maxMs: number;
  readonly attempts: number;
}
export const REJECTION_BACKOFF: Backoff = { firstMs: 100, maxMs: 5_000, attempts: 10 };

const BULK_SHARD_WAIT = '20s';

/**
 * Sends ordered writes in one bulk request. A conflict on an ordered write means a newer write
 * won: the id is returned as superseded. Items a node rejected because its write queue was
 * full (status 429) are sent again alone, after a backoff, until they land or the attempts run
 * out; the rest of the batch is not repeated. A write block stops the batch (IndexBlockedError,
 * the migration pauses); any other item error fails it.
 */
export async function orderedBulk(es: Client, actions: readonly BulkAction[], order?: WriteOrder, backoff = REJECTION_BACKOFF): Promise<BulkOutcome> {
  const superseded: string[] = [];
  let rejections = 0;
  let pending = actions;
  for (let attempt = 0; pending.length > 0; attempt++) {
    if (attempt > 0) await sleep(Math.min(backoff.maxMs, backoff.firstMs * 2 ** (attempt - 1)));
    const response = await es.bulk({
      operations: pending.flatMap((a) => (a.document ? [a.line, a.document] : [a.line])),
      // How long an item waits for an unavailable primary before failing (default 1 min): the
      // activity's retry then finds the index red and the migration pauses (index-availability.ts).
      timeout: BULK_SHARD_WAIT,
    });
    const rejected: BulkAction[] = [];
    const failures: { id: string; reason: string }[] = [];
    response.items.forEach((item, i) => {
      const result = item.index ?? item.create ?? item.delete;
      if (!result) return;
      const id = String(result._id);
      if (result.status === 409 && supersededByConflict(id, order)) superseded.push(id);
      else if (result.status === 429 && attempt + 1 < backoff.attempts) rejected.push(pending[i]!);
      // A cluster without a master (a node just died, an election runs) blocks writes for seconds: retried like any failure.
      else if (result.error?.type === 'cluster_block_exception' && !result.error.reason?.includes('SERVICE_UNAVAILABLE'))
        throw new IndexBlockedError(result._index, result.error.reason ?? 'blocked');
      else if (result.error) failures.push({ id, reason: `${result.error.type}: ${result.error.reason}` });
    });
    if (failures.length > 0) throw new BulkWriteError(failures);
    rejections += rejected.length;
    pending = rejected;
  }
  return { superseded, rejections };
}
