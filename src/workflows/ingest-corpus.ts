import { defineQuery, log, proxyActivities, setHandler } from '@temporalio/workflow';
import type { IngestActivities } from '../activities/ingest-activities';
import type { SotuSelection } from '../corpus/sotu';

/**
 * Embeds the bundled corpus into a fresh versioned index. Vectors never enter history:
 * activities read, embed and write; the workflow carries only offsets and counts.
 */

export interface IngestCorpusInput {
  readonly collection: string;
  readonly specId: string;
  readonly corpus: SotuSelection;
  readonly batchSize: number;
}

export interface IngestProgress {
  readonly phase: 'PREPARING' | 'EMBEDDING' | 'FINISHING' | 'COMPLETED';
  readonly index?: string;
  readonly total: number;
  readonly embedded: number;
  /** Documents skipped because the index already holds them with the same text. */
  readonly unchanged: number;
  readonly tokens: number;
}

export interface IngestCorpusResult {
  readonly index: string;
  readonly documents: number;
  readonly embedded: number;
  readonly unchanged: number;
  readonly tokens: number;
}

export const ingestProgressQuery = defineQuery<IngestProgress>('progress');

const { prepareIngestIndex, finishIngestIndex } = proxyActivities<IngestActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { maximumAttempts: 5 },
});

const { embedCorpusBatch } = proxyActivities<IngestActivities>({
  // A batch is a few hundred texts on CPU; the heartbeat timeout notices a dead worker
  // long before the start-to-close timeout would.
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 10, nonRetryableErrorTypes: ['InvalidEmbeddingError'] },
});

export async function ingestCorpusWorkflow(input: IngestCorpusInput): Promise<IngestCorpusResult> {
  let progress: IngestProgress = { phase: 'PREPARING', total: 0, embedded: 0, unchanged: 0, tokens: 0 };
  setHandler(ingestProgressQuery, () => progress);

  const { index, totalDocuments } = await prepareIngestIndex({ collection: input.collection, specId: input.specId, corpus: input.corpus });
  progress = { ...progress, phase: 'EMBEDDING', index, total: totalDocuments };

  for (let offset = 0; offset < totalDocuments; offset += input.batchSize) {
    const batch = await embedCorpusBatch({ index, specId: input.specId, corpus: input.corpus, offset, limit: input.batchSize });
    progress = {
      ...progress,
      embedded: progress.embedded + batch.written,
      unchanged: progress.unchanged + batch.unchanged,
      tokens: progress.tokens + batch.tokens,
    };
  }

  progress = { ...progress, phase: 'FINISHING' };
  const { documents } = await finishIngestIndex({ index });
  progress = { ...progress, phase: 'COMPLETED' };
  log.info('corpus ingested', { index, documents, embedded: progress.embedded, unchanged: progress.unchanged });
  return { index, documents, embedded: progress.embedded, unchanged: progress.unchanged, tokens: progress.tokens };
}
