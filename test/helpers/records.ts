import type { CollectionRecord } from '../../src/registry/collection-record.js';

/** A registry record of `products` served by `old-spec` from `products__old`, no migration. */
export function idleRecord(): CollectionRecord {
  const at = '2026-11-27T10:00:00.000Z';
  return {
    collection: 'products',
    alias: 'products',
    storeContent: true,
    activeSpecId: 'old-spec',
    activeIndex: 'products__old',
    writeTargets: [{ index: 'products__old', specId: 'old-spec' }],
    migration: null,
    history: [],
    createdAt: at,
    updatedAt: at,
  };
}
