import type { AdapterSummary } from '../store/adapters.js';

/** One line per adapter: held-out recall@10 each way, the method chosen, and whether its gate lets it be used. */
export function renderAdapter(a: AdapterSummary): string {
  const r = a.report;
  const gate = (ok: boolean) => (ok ? 'used' : `below ${a.minRecall}, not used`);
  return (
    `adapter ${a.sourceSpecId} ↔ ${a.targetSpecId}: held-out recall@10 — adapted documents ${r.recall.documents.toFixed(3)} (${r.methods.documents}; ${gate(a.usable.documents)}), ` +
    `adapted queries ${r.recall.queries.toFixed(3)} (${r.methods.queries}; ${gate(a.usable.queries)}); fitted on ${r.trained} documents, measured on ${r.heldOut}`
  );
}
