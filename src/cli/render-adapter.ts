import type { AdapterSummary } from '../store/adapters.js';

/** What an adapter is for, whether it is used, and why: the judgement's own sentence, or the held-out agreement for adapters fitted before judgements. */
export function renderAdapter(a: AdapterSummary): string {
  const r = a.report;
  const side = (name: string, used: boolean, why: string) => `  ${name}: ${used ? 'used' : 'not used'} — ${why}`;
  const legacy = (agreement: number) => `agreement with the re-embedded top 10 ${agreement.toFixed(3)} against the required ${a.minRecall}`;
  return [
    `adapter ${a.sourceSpecId} ↔ ${a.targetSpecId} (fitted on ${r.trained} documents, measured on ${r.heldOut}; ${r.methods.documents} / ${r.methods.queries}):`,
    side('adapted documents', a.usable.documents, a.judgement?.documents.reason ?? legacy(r.recall.documents)),
    side('adapted queries', a.usable.queries, a.judgement?.queries.reason ?? legacy(r.recall.queries)),
  ].join('\n');
}
