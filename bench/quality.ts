import { loadLeeCorpus, type LabelledCorpus } from '../src/corpus/lee.js';
import { loadSotuGoldenCorpus } from '../src/corpus/sotu.js';
import { openBench, ensureCollection, whileAwaitingApproval } from './harness.js';

/**
 * The quality gate's figures for real upgrades from MiniLM: per labelled corpus and target
 * spec, one real migration up to AWAITING_APPROVAL (then rejected), and its quality report —
 * old vs new nDCG@10, recall@10 and MRR@10 on human labels, overlap@10, ANN recall@10.
 */

const SOURCE = 'minilm-l6-v2';
const TARGETS = (process.env.REEMBED_BENCH_TARGETS ?? 'minilm-l6-v2-cls,bge-small-en-v1.5,e5-small-v2,all-mpnet-base-v2').split(',');
const BATCH = 64;

async function main(): Promise<void> {
  const bench = await openBench();
  const corpora: [string, LabelledCorpus][] = [
    ['lee', loadLeeCorpus(bench.config.datasetsDir)],
    ['demo', await loadSotuGoldenCorpus()],
  ];

  const f = (x: number | null | undefined) => (x === null || x === undefined ? '–' : x.toFixed(3));
  const rows: string[] = [];
  for (const [name, corpus] of corpora) {
    for (const target of TARGETS) {
      const collection = `bench-quality-${name}-${target.replace(/\./g, '-')}`;
      await ensureCollection(bench, collection, SOURCE, corpus.documents);
      await bench.services.golden.clear(collection);
      await bench.services.golden.add(collection, corpus.queries, 'file');
      const q = await whileAwaitingApproval(
        bench,
        { collection, targetSpecId: target, batchSize: BATCH, hotFirstLimit: 0 },
        async (waiting) => waiting.quality!,
      );
      rows.push(
        `| ${name} (${corpus.documents.length} docs, ${q.queries.labelled}+${q.queries.unlabelled} queries) | ${target} | ${q.verdict} | ${f(q.old?.ndcg10)} → ${f(q.new?.ndcg10)} | ${f(q.old?.recall10)} → ${f(q.new?.recall10)} | ${f(q.old?.mrr10)} → ${f(q.new?.mrr10)} | ${f(q.overlap10)} | ${f(q.annRecall10)} |`,
      );
      console.error(rows.at(-1));
    }
  }
  console.log(`\nQuality gate, ${SOURCE} → target, real migrations (gate: new nDCG@10 ≥ 0.98 × old)\n`);
  console.log('| corpus | target spec | verdict | nDCG@10 old → new | recall@10 old → new | MRR@10 old → new | overlap@10 | ANN recall@10 |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const row of rows) console.log(row);
  await bench.client.close();
}

main().catch((error: Error) => {
  console.error(`quality bench failed: ${error.message}`);
  process.exit(1);
});
