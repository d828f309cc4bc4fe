import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { MetricDelta } from '../src/migration/reports.js';
import { intervalText } from '../src/migration/quality-gate.js';
import type { LabelledComparison } from '../src/adapter/adapter-judgement.js';
import type { AdapterFigures, AdapterRow } from './adapter.js';
import type { BackfillThroughputFigures } from './backfill-throughput.js';
import type { BatchApiFigures } from './batch-api.js';
import type { CliLatencyFigures } from './cli-latency.js';
import type { ClusterBackfillFigures } from './cluster-backfill.js';
import type { ClientInstallFigures } from './client-install.js';
import type { QualityFigures } from './quality.js';
import type { ScaleFigures } from './scale-backfill.js';
import type { Figures, SearchLatencyFigures } from './search-latency.js';
import type { QueryPrecisionFigures } from './query-precision.js';
import type { RateLimitedThroughputFigures } from './rate-limited-throughput.js';
import { RESULTS_DIR, type BenchRecord, type ResultsFile } from './results.js';

/**
 * Renders docs/benchmarks.md from the newest recorded run of each bench in bench/results/:
 * every figure in it comes from a results file, with the command and commit that made it.
 */

const OUTPUT = fileURLToPath(new URL('../docs/benchmarks.md', import.meta.url));
const DOCS = fileURLToPath(new URL('../docs/', import.meta.url));
/** Pages whose blocks between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->` get that bench's section too. */
const PAGES = [
  fileURLToPath(new URL('../README.md', import.meta.url)),
  ...readdirSync(DOCS)
    .filter((f) => f.endsWith('.md') && f !== 'benchmarks.md')
    .map((f) => `${DOCS}${f}`),
];
const f3 = (x: number | null | undefined) => (x === null || x === undefined ? '–' : x.toFixed(3));
const interval = (m: MetricDelta) => intervalText(m.delta, m.ci95);
const pct = (x: number) => `±${(x * 100).toFixed(1)}%`;

type Renderer = (record: BenchRecord, run: ResultsFile) => string[];

/** An adapter row's first two cells: the corpus and the model pair. */
const pair = (r: AdapterRow) => `${r.corpus} (${r.documents} docs, ${r.queries} queries) | ${r.oldSpec} → ${r.newSpec}`;

const MB = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
/** A markdown table's header row and the separator under it. */
const header = (...cells: string[]) => [`| ${cells.join(' | ')} |`, `|${' --- |'.repeat(cells.length)}`];

/** Each section by its block name; `from` names the bench whose record it renders when that is another. */
const RENDERERS: Record<string, { readonly title: string; readonly render: Renderer; readonly from?: string }> = {
  adapter: {
    title: 'Adapters between real models',
    render: (record) => {
      const { rows } = record.figures as AdapterFigures;
      return [
        'A linear map fitted from documents embedded by both specs (vectors from the real local models), through the',
        'origin and mean-centred, on the same pairs. Held-out agreement: recall@10 against the re-embedded top 10 on',
        'documents the fit never saw. Labelled queries: every document adapted (or every query), nDCG@10 on the human labels.',
        '',
        ...header(
          'corpus',
          'pair',
          'held-out agreement, documents: through origin → centred',
          'queries: through origin → centred',
          'nDCG@10 old / new model',
          'nDCG@10 adapted documents: origin → centred',
          'adapted queries: origin → centred',
        ),
        ...rows.map((r) => {
          const [u, c] = [r.uncentred, r.centred];
          return `| ${pair(r)} | ${f3(u.heldOut.documents)} → ${f3(c.heldOut.documents)} | ${f3(u.heldOut.queries)} → ${f3(c.heldOut.queries)} | ${f3(r.ndcgOld)} / ${f3(r.ndcgNew)} | ${f3(u.labelled.ndcgAdaptedDocuments)} → ${f3(c.labelled.ndcgAdaptedDocuments)} | ${f3(u.labelled.ndcgAdaptedQueries)} → ${f3(c.labelled.ndcgAdaptedQueries)} |`;
        }),
      ];
    },
  },
  'adapter-decision': {
    title: 'When an adapter is used: judged on labels',
    from: 'adapter',
    render: (record) => {
      const { rows } = record.figures as AdapterFigures;
      const decision = (c: LabelledComparison | null) =>
        c ? `${f3(c.ndcg10.without)} → ${f3(c.ndcg10.with)} | ${intervalText(c.delta.ndcg10, c.delta.ci95)} | ${c.verdict}` : '– | – | not judged';
      return [
        'The decision a migration takes (centred maps): every tenth document stored without text, so missing from the new',
        'index and from the fit. Documents without text: nDCG@10 of the new index without them → with their adapted',
        'vectors. A retired old model: the new index alone → merged (RRF) with the old index searched by adapted queries.',
        "The verdict is the quality gate's, with a 2% margin: the adapter is used on IMPROVEMENT or PASS.",
        '',
        ...header(
          'corpus',
          'pair',
          'documents without text (queries needing one)',
          'nDCG@10 without → with adapted documents',
          'Δ [95% interval]',
          'verdict',
          'nDCG@10 new alone → merged via adapted queries',
          'Δ [95% interval]',
          'verdict',
        ),
        ...rows.map(
          (r) =>
            `| ${pair(r)} | ${r.withoutText} (${r.queriesWithRelevantOnlyInOld}) | ${decision(r.centred.decision.documents)} | ${decision(r.centred.decision.queries)} |`,
        ),
      ];
    },
  },
  'cluster-backfill': {
    title: 'A three-node cluster and replicas during the backfill',
    render: (record) => {
      const f = record.figures as ClusterBackfillFigures;
      const docsPerSecond = (x: number) => `${x.toFixed(1)} docs/s`;
      return [
        `In one run: the same backfill (${f.documents} demo passages, MiniLM → \`${f.target}\`, two partitions) against the single`,
        'node and against the local three-node cluster (`npm run services:up -- cluster`); then bulk indexing alone on the',
        `cluster, ${f.replicas.documents.toLocaleString('en')} vectors into three primaries with no replica and with one, ${f.replicas.rounds} rounds interleaved (median).`,
        '',
        ...header('measurement', 'single node', 'three-node cluster'),
        `| backfill | ${docsPerSecond(f.backfill.singleNode)} | ${docsPerSecond(f.backfill.cluster)} (${(f.backfill.cluster / f.backfill.singleNode).toFixed(2)}×) |`,
        '',
        ...header('bulk indexing on the cluster', '0 replicas (the backfill)', '1 replica'),
        `| documents/s | ${f.replicas.zero.toFixed(0)} | ${f.replicas.one.toFixed(0)} (${(f.replicas.one / f.replicas.zero).toFixed(2)}×) |`,
      ];
    },
  },
  'search-latency': {
    title: 'Routed search latency during a migration',
    render: (record) => {
      const f = record.figures as SearchLatencyFigures;
      const lines = [
        `${f.documents} passages, k = 10, ${f.queries} queries × ${f.rounds} rounds, every router measured in turn for every query`,
        '(interleaved, so a slow moment of the machine weighs on all alike), the query-vector cache off. "Single" is a',
        'router that searches the old index alone; "new model" the new index with its own query vector, as after the',
        'cutover; the merges search both indexes in one _msearch. End to end includes the query embedding; Elasticsearch',
        'only takes precomputed vectors.',
      ];
      for (const m of f.migrations) {
        const row = (name: string, x: Figures, base: number) =>
          `| ${name} | ${x.route} | ${x.p50.toFixed(1)} | ${x.p95.toFixed(1)} | ${(x.p50 / base).toFixed(2)}× |`;
        lines.push('', `**${m.from} → ${m.to}** (goal: merged p50 ≤ ${m.target} × single)`, '');
        lines.push(...header('measurement', 'route', 'p50 ms', 'p95 ms', 'p50 vs single'));
        for (const [part, label] of [
          ['e2e', 'end to end'],
          ['es', 'Elasticsearch only'],
        ] as const) {
          const single = m.figures[part].single!;
          lines.push(row(`single index (old model), ${label}`, single, single.p50));
          for (const v of m.variants) {
            lines.push(row(`single index (new model${v}), ${label}`, m.figures[part][`newSingle${v}`]!, single.p50));
            lines.push(row(`merged (RRF${v}), ${label}`, m.figures[part][`rrf${v}`]!, single.p50));
            lines.push(row(`merged (coverage-weighted${v}), ${label}`, m.figures[part][`weighted${v}`]!, single.p50));
          }
        }
      }
      return lines;
    },
  },
  'query-precision': {
    title: 'Query precision: fp32 against int8 query weights',
    render: (record) => {
      const { spec, rows } = record.figures as QueryPrecisionFigures;
      const arrow = (x: { fp32: number | null; q8: number | null }, digits = 3) => `${x.fp32?.toFixed(digits) ?? '–'} → ${x.q8?.toFixed(digits) ?? '–'}`;
      return [
        `\`${spec}\`: each labelled corpus's documents embedded once with the fp32 weights, the labelled queries with each`,
        'query weight, the documents ranked exactly; the forward pass of each query timed alone, in the same loop.',
        '',
        ...header(
          'corpus',
          'queries',
          'nDCG@10 fp32 → q8',
          'recall@10 fp32 → q8',
          'overlap@10',
          'least / mean cosine, q8 vs fp32 query',
          'query p50 ms fp32 → q8',
        ),
        ...rows.map(
          (r) =>
            `| ${r.corpus} (${r.documents} docs) | ${r.queries} | ${arrow(r.ndcg10)} | ${arrow(r.recall10)} | ${f3(r.overlap10)} | ${r.leastCosine.toFixed(4)} / ${r.meanCosine.toFixed(4)} | ${arrow(r.queryP50Ms, 1)} |`,
        ),
      ];
    },
  },
  'rate-limited-throughput': {
    title: 'Rate-limited throughput against a paid-API stand-in',
    render: (record) => {
      const f = record.figures as RateLimitedThroughputFigures;
      return [
        `The OpenAI provider against the local OpenAI-compatible server, which enforces the limit itself (a request past it`,
        `gets a 429): two concurrent activities share one worker's limiter, embedding batches of ${f.batch} State of the Union`,
        `passages for ${f.seconds} s per row. Counted where the limit is enforced: what the server accepted in the window.`,
        'The goal: at least 90% of the allowed rate, and no request refused.',
        '',
        ...header('limit', 'documents/s', 'tokens/s', 'allowed tokens/s', 'of limit', 'requests/min', 'busiest 60 s', 'refused by server', 'throttles'),
        ...f.rows.map(
          (r) =>
            `| ${r.limit} | ${r.documentsPerSecond.toFixed(1)} | ${r.tokensPerSecond.toFixed(0)} | ${r.allowedTokensPerSecond === null ? '—' : r.allowedTokensPerSecond.toFixed(0)} | ${(r.share * 100).toFixed(1)} % | ${r.requestsPerMinute.toFixed(1)} | ${r.busiestMinute.toLocaleString('en')} | ${r.refusedByServer} | ${r.throttles} |`,
        ),
      ];
    },
  },
  'backfill-throughput': {
    title: 'Backfill against embedding alone',
    render: (record) => {
      const f = record.figures as BackfillThroughputFigures;
      return [
        `Per local model, in one run: the ${f.documents} demo passages embedded alone (batches of ${f.batch}, as the backfill sends them),`,
        `then a real migration of them from MiniLM to that model (parallelism ${f.parallelism}), its documents/s taken from the`,
        "workflow's own timestamps: Temporal activities, Elasticsearch reads and ordered bulk writes included. The model",
        'is the ceiling; the target is a backfill at ≥ 0.9 × embedding alone.',
        '',
        ...header('target spec', 'embedding alone docs/s', 'backfill docs/s', 'ratio'),
        ...f.rows.map(
          (r) =>
            `| \`${r.target}\` | ${r.aloneDocsPerSecond.toFixed(1)} | ${r.backfillDocsPerSecond.toFixed(1)} | ${(r.backfillDocsPerSecond / r.aloneDocsPerSecond).toFixed(2)}× |`,
        ),
      ];
    },
  },
  'cli-latency': {
    title: 'CLI start-up',
    render: (record) => {
      const { runs, rows } = record.figures as CliLatencyFigures;
      const at = (ms: readonly number[], q: number) => ms[Math.min(ms.length - 1, Math.floor(q * ms.length))]!.toFixed(0);
      return [
        `The compiled CLI from process start to exit, ${runs} runs each: what a person or a script waits for.`,
        '',
        ...header('command', 'min ms', 'median ms', 'max ms'),
        ...rows.map((r) => `| \`${r.command}\` | ${at(r.ms, 0)} | ${at(r.ms, 0.5)} | ${at(r.ms, 1)} |`),
      ];
    },
  },
  'client-install': {
    title: 'Client-only install',
    render: (record) => {
      const f = record.figures as ClientInstallFigures;
      return [
        'A plain `npm install` of the packed package in an empty folder, from the registry, with no environment',
        'variable: what a service gets that starts migrations, sends operator actions, reads status and routes',
        'searches. The model runtimes, the Temporal worker and the demo corpus are optional peer dependencies it',
        'does not install.',
        '',
        ...header('node_modules', 'packages', 'install time', 'largest'),
        `| ${MB(f.bytes)} | ${f.packages} | ${f.seconds.toFixed(0)} s | ${f.largest.map((p) => `${p.name} ${MB(p.bytes)}`).join(', ')} |`,
      ];
    },
  },
  quality: {
    title: 'Quality gate on real upgrades',
    render: (record) => {
      const { source, rows } = record.figures as QualityFigures;
      return [
        `Each row is one real migration from \`${source}\` up to the approval, judged on the corpus's human labels`,
        'with the default margin (a drop of at most 2% of the old nDCG@10). Δ is new − old with its 95% paired',
        'bootstrap interval; p is the two-sided sign-flip p-value of Δ nDCG@10; sd is the spread of the per-query',
        'differences of nDCG@10, from which the last columns say what a 95% interval spans (± a share of the old',
        'nDCG@10) with 50, 200 and 1,000 labelled queries.',
        '',
        ...header(
          'corpus',
          'target spec',
          'labelled queries',
          'verdict',
          'nDCG@10 old → new',
          'Δ nDCG@10 [95%]',
          'p',
          'Δ recall@10 [95%]',
          'Δ MRR@10 [95%]',
          'sd',
          '50',
          '200',
          '1,000',
        ),
        ...rows.map((r) => {
          const q = r.report;
          const d = q.metricDeltas!;
          return `| ${r.corpus} (${r.documents} docs) | ${r.target} | ${q.queries.labelled} | ${q.verdict} | ${f3(q.old?.ndcg10)} → ${f3(q.new?.ndcg10)} | ${interval(d.ndcg10)} | ${d.ndcg10.pValue.toFixed(3)} | ${interval(d.recall10)} | ${interval(d.mrr10)} | ${d.ndcg10.sd.toFixed(3)} | ${pct(r.resolvable['50']!)} | ${pct(r.resolvable['200']!)} | ${pct(r.resolvable['1000']!)} |`;
        }),
        '',
        ...rows.filter((r) => r.report.verdict === 'INCONCLUSIVE').map((r) => `- ${r.corpus} → ${r.target}: ${r.report.reason}.`),
      ];
    },
  },
};

function newestRuns(): Map<string, { record: BenchRecord; run: ResultsFile }> {
  const newest = new Map<string, { record: BenchRecord; run: ResultsFile }>();
  const files = existsSync(RESULTS_DIR) ? readdirSync(RESULTS_DIR) : [];
  for (const file of files.filter((f) => f.endsWith('.json'))) {
    const run = JSON.parse(readFileSync(`${RESULTS_DIR}${file}`, 'utf8')) as ResultsFile;
    for (const [bench, record] of Object.entries(run.benches)) {
      const seen = newest.get(bench);
      if (!seen || seen.record.at < record.at) newest.set(bench, { record, run });
    }
  }
  return newest;
}

/** Benches that record one entry per size (`scale-backfill-250000`, …) render as one table, one row per size. */
function scaleRows(runs: ReturnType<typeof newestRuns>): string[] {
  const sizes = [...runs.entries()].filter(([bench]) => bench.startsWith('scale-backfill-'));
  if (sizes.length === 0) return ['No recorded run yet: `npm run bench -- backfill --docs <n> --workers 2`.'];
  return [
    'Synthetic documents (`bench/synthetic-corpus.ts`) on the hashed-vector stand-in API (no model), migrated with separate',
    'worker processes; in the same run the same documents are bulk-indexed with the same vectors into an index with the',
    "target's mapping and backfill settings: Elasticsearch alone, the ceiling. Each row is the newest run at that size.",
    '',
    ...header(
      'docs',
      'measured',
      'workers / partitions',
      'ES bulk alone docs/s',
      'backfill docs/s',
      'ratio',
      'worker peak RSS',
      'history events (runs; longest run)',
      'partitions each worker ran',
      'ingest docs/s (peak RSS)',
    ),
    ...sizes
      .map(([, { record, run }]) => ({ f: record.figures as ScaleFigures, record, run }))
      .sort((a, b) => a.f.docs - b.f.docs)
      .map(
        ({ f, record, run }) =>
          `| ${f.docs.toLocaleString('en')} | ${record.at.slice(0, 10)}, \`${run.commit}\`${run.dirty ? ' (uncommitted)' : ''} | ${f.workers} / ${f.partitions} | ${f.esBulkDocsPerSec.toLocaleString('en')} | ${f.backfillDocsPerSec.toLocaleString('en')} | ${f.ratio.toFixed(2)}× | ${f.workerPeakRssMb} MB | ${f.historyEvents.toLocaleString('en')} (${f.runs}; ${f.maxRunHistoryEvents.toLocaleString('en')}) | ${f.partitionsPerWorker.join(' / ')} of ${f.partitions} | ${f.ingestDocsPerSec === null ? '– (ingested before)' : `${f.ingestDocsPerSec.toLocaleString('en')} (${f.ingestPeakRssMb} MB)`} |`,
      ),
  ];
}

/** The Batch API bench, one row per corpus size (`batch-api-20000`, …). */
function batchApiRows(runs: ReturnType<typeof newestRuns>): string[] {
  const sizes = [...runs.entries()].filter(([bench]) => bench.startsWith('batch-api-'));
  if (sizes.length === 0) return ['No recorded run yet: `npm run bench -- batch-api --docs 20000 --kill-worker-at 0.4`.'];
  return [
    'Synthetic documents, 5% of them repeating the text before, migrated `openai-3-small-256` → `openai-3-large-256` with',
    '`--batch-api` against the stand-in server (batches complete after 3 s; 2,000 lines per file). `costUsd` is what the',
    'migration spent (batches at the batch price; the probe and verification queries synchronous); `syncCostUsd` the',
    "estimate's synchronous price for every document's text, as a backfill without the Batch API is charged. The worker",
    'process is SIGKILLed once that share of the lines is submitted, with batches in flight; a new one carries on.',
    '',
    ...header(
      'docs',
      'measured',
      'worker killed at',
      'batches',
      'lines submitted',
      'duplicate submissions',
      'inputs saved',
      'costUsd',
      'syncCostUsd',
      'costRatio',
      'history events (runs)',
      'parity after cutover',
    ),
    ...sizes
      .map(([, { record, run }]) => ({ f: record.figures as BatchApiFigures, record, run }))
      .sort((a, b) => a.f.docs - b.f.docs)
      .map(
        ({ f, record, run }) =>
          `| ${f.docs.toLocaleString('en')} | ${record.at.slice(0, 10)}, \`${run.commit}\`${run.dirty ? ' (uncommitted)' : ''} | ${f.killedAt === null ? 'not killed' : `${(f.killedAt * 100).toFixed(0)}% of lines`} | ${f.batches} | ${f.linesSubmitted.toLocaleString('en')} | ${f.duplicateSubmissions} | ${f.inputsSaved.toLocaleString('en')} | $${f.costUsd.toFixed(4)} | $${f.syncCostUsd.toFixed(4)} | ${f.costRatio.toFixed(3)} | ${f.historyEvents.toLocaleString('en')} (${f.runs}) | ${f.parity ? 'exact' : 'BROKEN'} |`,
      ),
  ];
}

function section(bench: string, render: Renderer, runs: ReturnType<typeof newestRuns>): string[] {
  const found = runs.get(bench);
  if (!found) return [`No recorded run yet: \`npm run bench -- ${bench}\`.`];
  const { record, run } = found;
  const m = run.machine;
  return [
    `Measured ${record.at.slice(0, 10)} at commit \`${run.commit}\`${run.dirty ? ' (with uncommitted changes)' : ''} on ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, Node ${m.node}, by \`${record.command}\`.`,
    '',
    ...render(record, run),
  ];
}

const runs = newestRuns();
const rendered = [
  ...Object.entries(RENDERERS).map(([bench, { title, render, from }]) => ({ bench, title, lines: section(from ?? bench, render, runs) })),
  { bench: 'scale-backfill', title: 'Backfill at scale', lines: scaleRows(runs) },
  { bench: 'batch-api', title: 'The OpenAI Batch API: cost and crash safety', lines: batchApiRows(runs) },
];
writeFileSync(
  OUTPUT,
  [
    '# Benchmarks',
    '',
    '<!-- Rendered by `npm run bench:render` from bench/results/*.json; edit the benches, not this file. -->',
    '',
    ...rendered.flatMap(({ title, lines }) => [`## ${title}`, '', ...lines, '']),
  ].join('\n'),
);
for (const path of PAGES) {
  const before = readFileSync(path, 'utf8');
  let text = before;
  for (const { bench, lines } of rendered) {
    const block = new RegExp(`(<!-- bench:${bench} -->\n)[\\s\\S]*?(<!-- /bench:${bench} -->)`);
    text = text.replace(block, (_, open: string, close: string) => `${open}${lines.join('\n')}\n${close}`);
  }
  if (text !== before) writeFileSync(path, text);
}
console.log(`wrote ${OUTPUT} and the bench blocks of README.md and docs/`);
