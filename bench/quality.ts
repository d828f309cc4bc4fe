import { loadLeeCorpus, type LabelledCorpus } from '../src/corpus/lee.js';
import { loadSotuGoldenCorpus } from '../src/corpus/sotu.js';
import type { QualityReport } from '../src/migration/reports.js';
import { resolvableDrop } from '../src/migration/quality-gate.js';
import { openBench, ensureCollection, whileAwaitingApproval } from './harness.js';
import { recordResult } from './results.js';

/**
 * The quality gate on real upgrades from MiniLM: per labelled corpus and target spec, one real
 * migration up to AWAITING_APPROVAL (then rejected), and its report — verdict, Δ of nDCG@10,
 * recall@10 and MRR@10 with 95% intervals on human labels, the per-query spread, and what
 * 50, 200 and 1,000 labelled queries with that spread could rule out.
 */

const SOURCE = 'minilm-l6-v2';
const TARGETS = (process.env.REEMBED_BENCH_TARGETS ?? 'minilm-l6-v2-cls,bge-small-en-v1.5,e5-small-v2,all-mpnet-base-v2').split(',');
const BATCH = 64;
const QUERY_COUNTS = [50, 200, 1000] as const;

export interface QualityFigures {
  readonly source: string;
  readonly rows: readonly {
    readonly corpus: string;
    readonly documents: number;
    readonly target: string;
    readonly report: QualityReport;
    /** ± share of the old nDCG@10 a 95% interval spans with this spread, per number of labelled queries. */
    readonly resolvable: Readonly<Record<string, number>>;
  }[];
}

async function main(): Promise<void> {
  const bench = await openBench();
  const corpora: [string, LabelledCorpus][] = [
    ['lee', loadLeeCorpus(bench.config.datasetsDir)],
    ['demo', await loadSotuGoldenCorpus()],
  ];
  const rows: QualityFigures['rows'][number][] = [];
  for (const [name, corpus] of corpora) {
    for (const target of TARGETS) {
      const collection = `bench-quality-${name}-${target.replace(/\./g, '-')}`;
      await ensureCollection(bench, collection, SOURCE, corpus.documents);
      await bench.services.golden.clear(collection);
      await bench.services.golden.add(collection, corpus.queries, 'file');
      const report = await whileAwaitingApproval(
        bench,
        { collection, targetSpecId: target, batchSize: BATCH, hotFirstLimit: 0 },
        async (waiting) => waiting.quality!,
      );
      const sd = report.metricDeltas!.ndcg10.sd;
      const resolvable = Object.fromEntries(QUERY_COUNTS.map((n) => [String(n), resolvableDrop(sd, n, report.old!.ndcg10!)]));
      rows.push({ corpus: name, documents: corpus.documents.length, target, report, resolvable });
      console.error(`${name} → ${target}: ${report.verdict} — ${report.reason}`);
    }
  }
  const file = recordResult<QualityFigures>('quality', 'npm run bench -- quality', { source: SOURCE, rows });
  console.log(`quality gate figures recorded in ${file}; render them with npm run bench:render`);
  await bench.client.close();
}

main().catch((error: Error) => {
  console.error(`quality bench failed: ${error.message}`);
  process.exit(1);
});
