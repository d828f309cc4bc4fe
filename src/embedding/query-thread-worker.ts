import { parentPort, workerData } from 'node:worker_threads';
import { queryDtypeOf } from './model-spec.js';
import type { QueryReply, QueryRequest, QueryThreadData } from './query-thread.js';
import { TransformersProvider } from './transformers-provider.js';

/**
 * The thread's side: one model, loaded with a single intra-op thread so that it and the
 * main thread's model each keep a core, answering one query at a time.
 */
const { spec, modelsDir } = workerData as QueryThreadData;
const provider = TransformersProvider.loadModel(spec, modelsDir, queryDtypeOf(spec), 1).then(
  (model) => new TransformersProvider(spec, model, () => Promise.reject(new Error('a query thread embeds queries only'))),
);
// A failed load is reported to each query as it comes, not as a crash of the thread.
provider.catch(() => {});

parentPort!.on('message', ({ id, text }: QueryRequest) => {
  provider
    .then((p) => p.embed([text], 'query'))
    .then(({ vectors }) => {
      const vector = vectors[0]!;
      parentPort!.postMessage({ id, vector } satisfies QueryReply, [vector.buffer as ArrayBuffer]);
    })
    .catch((error: Error) => parentPort!.postMessage({ id, error: error.message } satisfies QueryReply));
});
