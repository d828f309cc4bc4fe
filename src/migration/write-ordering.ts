/**
 * The rules that keep the migration's copies and live writes ordered on the same document.
 * Two kinds of writer touch the new index at once: live writes (dual-write, each carrying an
 * external version taken before anything is embedded) and the migration's copies (text read
 * from the old index). Whatever order their requests arrive in, no older text may overwrite a
 * newer one, a delete may not be undone, and both indexes must end up holding the same.
 * Pure: the store translates the conditions below into Elasticsearch request options.
 */

/** Where a copy of a document stands in its index's history (`_seq_no`, `_primary_term`). */
export interface SeqNoPosition {
  readonly seqNo: number;
  readonly primaryTerm: number;
}

/**
 * What the migration's own write of a document expects, by id:
 * - `copyOfRevision`: a copy of the source text read at that revision (`_version`). It goes
 *   with the revision as its external version, so it loses to anything at least as new in the
 *   target: a live write, a live delete's tombstone, an earlier copy of the same text. Under
 *   a guard by `_seq_no` instead, a create would succeed over the tombstone of a live delete
 *   (bringing the document back), and a slow live write of an older text would win over it.
 * - a position read from the target: apply only while the document is still at it (the
 *   catch-up's deletes of documents gone from the source, which have no source revision).
 * - null: expected absent.
 * A write whose expectation no longer holds is skipped: someone wrote the document meanwhile.
 */
export type Expected = { readonly copyOfRevision: number } | SeqNoPosition | null;
export type WriteGuard = ReadonlyMap<string, Expected>;

/**
 * How a write is ordered against others on the same document: under a guard (the
 * migration's copies) or with an external version (live writes: only if newer than what the
 * index holds, a delete's tombstone included). A write that loses is superseded, not failed.
 */
export type WriteOrder = { readonly guard: WriteGuard } | { readonly version: number };

/** The condition Elasticsearch applies a write under. */
export type WriteCondition =
  /** Applies only when `version` is above the stored one, a tombstone's included. */
  | { readonly kind: 'external'; readonly version: number }
  /** Applies only while the document is still at the position read. */
  | { readonly kind: 'ifSeqNo'; readonly seqNo: number; readonly primaryTerm: number }
  /** Index only: applies only when no document exists (a tombstone does not count). */
  | { readonly kind: 'ifAbsent' }
  | { readonly kind: 'unconditional' };

/** Live writes' external versions are microseconds since 1970: anything this large is one, not a count of internal writes. */
export const EXTERNAL_VERSION_FLOOR = 1e15;

/** The condition of one write of `id` (see WriteOrder and Expected). */
export function writeCondition(action: 'index' | 'delete', id: string, order?: WriteOrder): WriteCondition {
  if (order === undefined) return { kind: 'unconditional' };
  if ('version' in order) return { kind: 'external', version: order.version };
  if (!order.guard.has(id)) return { kind: 'unconditional' };
  const expected = order.guard.get(id)!;
  if (expected === null) return action === 'index' ? { kind: 'ifAbsent' } : { kind: 'unconditional' };
  if ('copyOfRevision' in expected) return { kind: 'external', version: expected.copyOfRevision };
  return { kind: 'ifSeqNo', seqNo: expected.seqNo, primaryTerm: expected.primaryTerm };
}

/** A version conflict on an ordered write means a newer write won: the document is superseded, not failed. */
export function supersededByConflict(id: string, order?: WriteOrder): boolean {
  return order !== undefined && ('version' in order || order.guard.has(id));
}

interface Revisioned {
  readonly sourceHash: string;
  /** Elasticsearch's `_version` when the text was read. */
  readonly revision?: number;
}

/**
 * Whether the target copy of a document is at least as new as the source copy read: the
 * same text, or a live write (external version) no older than the source's version. A
 * target that holds a newer live write must never be overwritten with the older text.
 */
export function holdsAtLeastAsNew(source: Revisioned, target: Revisioned | undefined): boolean {
  if (target === undefined) return false;
  if (target.sourceHash === source.sourceHash) return true;
  const targetRevision = target.revision ?? 0;
  return targetRevision >= EXTERNAL_VERSION_FLOOR && targetRevision >= (source.revision ?? Infinity);
}

/** The catch-up's test: the target holds exactly the source's text. */
export function holdsSameText(source: Revisioned, target: Revisioned | undefined): boolean {
  return source.sourceHash === target?.sourceHash;
}

interface ReadDocument extends Revisioned {
  readonly id: string;
  readonly position?: SeqNoPosition;
}

/** Source documents to copy, the guard to write them under, and how many the target already holds. */
export interface Pending<D> {
  readonly docs: D[];
  readonly guard: WriteGuard;
  readonly alreadyPresent: number;
}

/**
 * The source documents whose target copy (`present`, read with its position) is not up to date
 * by `upToDate`, with the guard to copy them under; the others count as already present.
 */
export function pendingCopies<D extends ReadDocument>(
  sourceDocs: readonly D[],
  present: ReadonlyMap<string, ReadDocument>,
  upToDate: (source: D, target: ReadDocument | undefined) => boolean,
): Pending<D> {
  const docs = sourceDocs.filter((doc) => !upToDate(doc, present.get(doc.id)));
  return {
    docs,
    guard: new Map(
      docs.map((d): [string, Expected] => [d.id, d.revision !== undefined ? { copyOfRevision: d.revision } : (present.get(d.id)?.position ?? null)]),
    ),
    alreadyPresent: sourceDocs.length - docs.length,
  };
}

/**
 * Of the target documents read (target first, then the source), those the source no longer
 * holds, with the guard that keeps one a live write re-created meanwhile.
 */
export function goneFromSource(inTarget: ReadonlyMap<string, ReadDocument>, inSource: ReadonlyMap<string, unknown>): { ids: string[]; guard: WriteGuard } {
  const gone = [...inTarget.values()].filter((d) => !inSource.has(d.id));
  return { ids: gone.map((d) => d.id), guard: new Map(gone.map((d) => [d.id, d.position ?? null])) };
}
