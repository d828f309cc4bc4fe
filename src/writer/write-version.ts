/**
 * The external version of a live write: microseconds since the epoch (wall-clock origin,
 * monotonic within the process), strictly increasing per process. Both indexes keep, per
 * document, the write with the highest version, so concurrent writers converge to the same
 * final state in both whatever order their requests arrive in. Across machines the order is
 * that of their clocks; within one microsecond it is undefined. Fits a double exactly until
 * the year 2255 and Elasticsearch's 63-bit versions far beyond.
 */
let last = 0;

/** Live writes' external versions are microseconds since 1970: anything this large is one (not a count of internal writes). */
const EXTERNAL_VERSION_FLOOR = 1e15;

/**
 * Whether the target copy of a document is at least as new as the source copy read: the
 * same text, or a live write (external version) no older than the source's version. A
 * target that holds a newer live write must never be overwritten with the older text.
 */
export function holdsAtLeastAsNew(source: { sourceHash: string; revision?: number }, target: { sourceHash: string; revision?: number } | undefined): boolean {
  if (target === undefined) return false;
  if (target.sourceHash === source.sourceHash) return true;
  const targetRevision = target.revision ?? 0;
  return targetRevision >= EXTERNAL_VERSION_FLOOR && targetRevision >= (source.revision ?? Infinity);
}

export function nextWriteVersion(): number {
  const now = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  last = Math.max(now, last + 1);
  return last;
}
