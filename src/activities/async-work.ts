import { heartbeat } from '@temporalio/activity';

/** Heartbeats while a batch waits on a provider's rate limit, so a long retry-after is not a dead worker. */
const KEEPALIVE_MS = 5_000;

/** Heartbeats `details()` every few seconds until the work is done. */
export async function keepingAlive<T>(details: () => unknown, work: () => Promise<T>): Promise<T> {
  const timer = setInterval(() => heartbeat(details()), KEEPALIVE_MS);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

/**
 * The same promise, marked as handled: work started ahead (a prefetch, a write-behind) may
 * fail while the activity awaits something else; the failure surfaces where it is awaited,
 * not as an unhandled rejection that would take the worker down.
 */
export function settled<T>(work: Promise<T>): Promise<T> {
  work.catch(() => undefined);
  return work;
}
