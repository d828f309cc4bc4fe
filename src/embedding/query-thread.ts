import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { TransformersSpec } from './transformers-provider.js';

export interface QueryThreadData {
  readonly spec: TransformersSpec;
  readonly modelsDir: string;
}
export interface QueryRequest {
  readonly id: number;
  readonly text: string;
}
export type QueryReply = { readonly id: number; readonly vector: Float32Array } | { readonly id: number; readonly error: string };

/**
 * A worker thread that embeds queries for one local spec, so that a merged search's second
 * model runs while the main thread runs the first: ONNX Runtime executes a session on the
 * JavaScript thread that calls it, so two models on one thread always take turns. The
 * thread holds its own copy of the weights it reads (the spec's query weights).
 */
export class QueryThread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (v: Float32Array) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  /** Set once the thread has died; the pool then starts a new one. */
  failure: Error | null = null;

  constructor(
    readonly spec: TransformersSpec,
    modelsDir: string,
  ) {
    this.worker = spawn({ spec, modelsDir });
    // An idle thread must not keep a process (a CLI command, a test) alive; a pending query does.
    this.worker.unref();
    this.worker.on('message', (reply: QueryReply) => this.settle(reply));
    this.worker.on('error', (error) =>
      this.fail(new Error(`The query thread for spec ${spec.id} failed: ${error.message}; the next query starts a new one.`, { cause: error })),
    );
    this.worker.on('exit', (code) => this.fail(new Error(`The query thread for spec ${spec.id} exited (code ${code}); the next query starts a new one.`)));
  }

  embed(text: string): Promise<Float32Array> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, text } satisfies QueryRequest);
    });
  }

  async close(): Promise<void> {
    this.failure ??= new Error(`The query thread for spec ${this.spec.id} was closed; the next query starts a new one.`);
    await this.worker.terminate();
  }

  private settle(reply: QueryReply): void {
    const waiting = this.pending.get(reply.id);
    if (!waiting) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker.unref();
    if ('error' in reply) waiting.reject(new Error(`Could not embed the query with spec ${this.spec.id} in its query thread: ${reply.error}`));
    else waiting.resolve(reply.vector);
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const { reject } of this.pending.values()) reject(this.failure);
    this.pending.clear();
  }
}

/**
 * Starts the thread from the same kind of file as this module: compiled JavaScript in
 * dist/, TypeScript under tsx — whose loader does not reach worker threads on Node 20, so
 * there the thread registers it before importing its entry.
 */
function spawn(workerData: QueryThreadData): Worker {
  const entry = new URL(`./query-thread-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url);
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, { workerData });
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const boot = `import(${tsx}).then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(boot, { eval: true, workerData });
}
