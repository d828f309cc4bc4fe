import { heartbeat } from '@temporalio/activity';
import { hashOfCustomId, lineOutcome } from '../embedding/batch-file.js';
import type { ModelSpec } from '../embedding/model-spec.js';
import type { BatchView, OpenAIBatchApi } from '../embedding/openai-batch-api.js';
import { checkVector } from '../embedding/provider.js';

/** The Batch API's code for a batch refused because the organisation's queue is full. */
const QUEUE_FULL = 'token_limit_exceeded';

/** Every line of a batch's output and error files, by the source hash its custom_id names. */
export async function readBatchResults(api: OpenAIBatchApi, view: BatchView, spec: ModelSpec) {
  const vectors = new Map<string, Float32Array>();
  const invalid = new Map<string, string>();
  const failed = new Map<string, string>();
  let tokens = 0;
  let unfinished = 0;
  let read = 0;
  for (const fileId of [view.output_file_id, view.error_file_id]) {
    if (!fileId) continue;
    for await (const line of api.lines(fileId)) {
      // An output file of 50,000 lines takes a while to read: the activity is alive meanwhile.
      if (++read % 1000 === 0) heartbeat({ reading: fileId, lines: read });
      const outcome = lineOutcome(line);
      const hash = hashOfCustomId(outcome.customId);
      if (outcome.kind === 'vector') {
        checkVector(spec, outcome.vector, `batch line ${outcome.customId}`);
        vectors.set(hash, outcome.vector);
        tokens += outcome.tokens;
      } else if (outcome.kind === 'invalid') invalid.set(hash, outcome.reason);
      else if (outcome.kind === 'failed') failed.set(hash, outcome.reason);
      else unfinished++;
    }
  }
  const queueFull = view.status === 'failed' && (view.errors?.data ?? []).some((e) => e.code === QUEUE_FULL);
  // A batch refused as a whole ran nothing: a full queue sends it again later, any other refusal through the synchronous API.
  if (queueFull) unfinished = Math.max(unfinished, Number(view.metadata?.reembed_lines ?? 1));
  return { vectors, invalid, failed, tokens, unfinished, wholeBatchFailed: view.status === 'failed' && !queueFull };
}
