/**
 * How stale a writer's or router's view of the registry may be by default. Migrations wait
 * longer than this after changing write targets before they rely on every writer having
 * seen the change (before catch-up, before deleting an index); see `writerStalenessMs`.
 */
export const REGISTRY_CACHE_MS = 2_000;

/** How long a migration waits for every writer to see a change of write targets: well past their registry cache. */
export function writerStalenessFor(registryCacheMs: number): number {
  return Math.ceil(registryCacheMs * 2.5);
}
