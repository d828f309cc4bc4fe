import type { VectorIndexStore } from '../../src/store/vector-index.js';

/** Every (id, source hash) pair an index holds, after a refresh: what parity is checked on. */
export async function indexContents(store: VectorIndexStore, index: string, page = 500): Promise<Map<string, string>> {
  await store.refresh(index);
  const all = new Map<string, string>();
  for (let after: string | null = null; ;) {
    const docs = await store.scan(index, after, page, false);
    if (docs.length === 0) return all;
    for (const d of docs) all.set(d.id, d.sourceHash);
    after = docs[docs.length - 1]!.id;
  }
}
