import { loadConfig } from '../src/config/env.js';
import { loadSotuPassages } from '../src/corpus/sotu.js';
import { OpenAIProvider, type OpenAISpec } from '../src/embedding/openai-provider.js';
import { ProviderPool } from '../src/embedding/provider-pool.js';
import { RateLimiter } from '../src/embedding/rate-limiter.js';
import { SpecCatalog } from '../src/embedding/spec-catalog.js';
import { OpenAICompatibleServer } from '../test/helpers/openai-compatible-server.js';
import { recordResult } from './results.js';

export interface RateLimitedThroughputFigures {
  readonly seconds: number;
  readonly batch: number;
  readonly rows: readonly {
    readonly limit: string;
    readonly documentsPerSecond: number;
    readonly tokensPerSecond: number;
    readonly allowedTokensPerSecond: number | null;
    /** Of the limit: tokens for a token limit, requests for a request limit. */
    readonly share: number;
    readonly requestsPerMinute: number;
    readonly busiestMinute: number;
    readonly refusedByServer: number;
    readonly throttles: number;
  }[];
}

/**
 * Throughput of the OpenAI provider against the local OpenAI-compatible server enforcing
 * rpm/tpm limits itself: two concurrent "activities" share one worker's limiter, as backfill
 * activities do. Prints documents/s and tokens/s achieved against the configured limit, and
 * how many requests the server refused for going over it (the goal: ≥ 90 %, zero refused).
 */

const SECONDS = Number(process.env.BENCH_THROUGHPUT_SECONDS ?? 90);
const BATCH = 32;

async function main(): Promise<void> {
  const catalog = SpecCatalog.load();
  const local = await new ProviderPool(loadConfig()).get(catalog.get('minilm-l6-v2'));
  const docs = loadSotuPassages({ fromYear: 1990, toYear: 2021 }).map((d) => d.text);
  const rows: RateLimitedThroughputFigures['rows'][number][] = [];
  for (const limits of [{ tpm: 60_000 }, { tpm: 120_000 }, { rpm: 60 }]) {
    const server = await OpenAICompatibleServer.start(local, { apiKey: 'sk-bench', models: ['text-embedding-3-small'], limits });
    const limiter = new RateLimiter({ ...limits, maxConcurrency: 4 });
    const provider = new OpenAIProvider(
      catalog.get('openai-3-small-256') as OpenAISpec,
      [{ deployment: { name: 'bench', baseURL: server.baseURL, apiKey: server.apiKey, ...limits }, limiter }],
      { maxInputsPerRequest: 8 },
    );
    let next = 0;
    const started = Date.now();
    const activity = async () => {
      while (Date.now() - started < SECONDS * 1000) {
        await provider.embed(
          Array.from({ length: BATCH }, () => docs[next++ % docs.length]!),
          'document',
        );
      }
    };
    await Promise.all([activity(), activity()]);
    // Measured where the limit is enforced: what the server accepted inside the window.
    const accepted = server.requests.filter((r) => r.status === 200 && r.at - started <= SECONDS * 1000);
    const documents = accepted.reduce((sum, r) => sum + r.inputs, 0);
    const tokens = accepted.reduce((sum, r) => sum + r.tokens, 0);
    const busiestMinute = Math.max(
      ...accepted.map((r) => accepted.filter((o) => o.at >= r.at && o.at < r.at + 60_000).reduce((sum, o) => sum + (limits.tpm ? o.tokens : 1), 0)),
    );
    const allowedTokensPerSecond = limits.tpm ? limits.tpm / 60 : null;
    const requestsPerMinute = (accepted.length / SECONDS) * 60;
    const share = limits.tpm ? tokens / SECONDS / allowedTokensPerSecond! : requestsPerMinute / limits.rpm!;
    const label = limits.tpm ? `${limits.tpm.toLocaleString('en')} tokens/min` : `${limits.rpm} requests/min`;
    rows.push({
      limit: label,
      documentsPerSecond: documents / SECONDS,
      tokensPerSecond: tokens / SECONDS,
      allowedTokensPerSecond,
      share,
      requestsPerMinute,
      busiestMinute,
      refusedByServer: server.rateLimited,
      throttles: limiter.stats.throttled,
    });
    console.log(`${label}: ${(share * 100).toFixed(1)} % of the limit, ${server.rateLimited} refused by the server`);
    await server.stop();
  }
  const file = recordResult<RateLimitedThroughputFigures>('rate-limited-throughput', 'npm run bench -- rate-limited-throughput', {
    seconds: SECONDS,
    batch: BATCH,
    rows,
  });
  console.log(`rate-limited throughput recorded in ${file}`);
}

main().catch((error: Error) => {
  console.error(`bench failed: ${error.message}`);
  process.exit(1);
});
