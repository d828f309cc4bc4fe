/**
 * The external version of a live write: microseconds since the epoch (wall-clock origin,
 * monotonic within the process), strictly increasing per process. Both indexes keep, per
 * document, the write with the highest version, so concurrent writers converge to the same
 * final state in both whatever order their requests arrive in. Across machines the order is
 * that of their clocks; within one microsecond it is undefined. Fits a double exactly until
 * the year 2255 and Elasticsearch's 63-bit versions far beyond.
 */
let last = 0;

export function nextWriteVersion(): number {
  const now = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  last = Math.max(now, last + 1);
  return last;
}
