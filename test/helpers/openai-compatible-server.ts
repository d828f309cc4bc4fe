import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { z } from 'zod';
import { float32ToBase64 } from '../../src/embedding/float32-base64.js';
import type { EmbeddingProvider } from '../../src/embedding/provider.js';
import { openAITokenCounter, tokenUpperBound } from '../../src/embedding/token-counter.js';
import { unit } from '../../src/embedding/vector-math.js';
import { hashedEmbedding } from './hashed-vectors.js';
import { BatchEndpoints, type BatchOptions } from './openai-batch-endpoints.js';

/** What the server can be told to do to the next requests, in order. */
export type Fault =
  | { kind: 'rate-limit'; retryAfterMs: number }
  | { kind: 'server-error'; status: 500 | 502 | 503 }
  | { kind: 'slow'; ms: number }
  | { kind: 'malformed' }
  | { kind: 'reset' };

export interface ServerOptions {
  readonly apiKey: string;
  readonly models: readonly string[];
  /** Enforced like OpenAI does, over a sliding minute; a request past them gets a 429. */
  readonly limits?: { readonly rpm?: number; readonly tpm?: number };
  /** Keep every embedded input in `embedded` (default true; a million-document benchmark turns it off). */
  readonly recordInputs?: boolean;
  /** Answer with JSON floats whatever `encoding_format` asks for, as some compatible servers do. */
  readonly floatsOnly?: boolean;
  /**
   * Count `usage` with cl100k_base as OpenAI bills it (default). False estimates it as UTF-8
   * bytes / 4 (inputs that may exceed the input limit are still counted): a benchmark that
   * runs this "API" on the cores it measures the pipeline on would otherwise spend them on
   * a tokenizer that, in production, runs on the provider's machines.
   */
  readonly countUsage?: boolean;
  /** The Files and Batches endpoints' behaviour (completion delay, enqueued-token limit). */
  readonly batches?: BatchOptions;
}

/** Vectors without a model: `hashedEmbedding` of the model name and the input. */
export const HASHED_VECTORS = 'hashed';

/** The API's full dimensions per model, when a request does not ask for fewer. */
const NATIVE_DIMENSIONS: Record<string, number> = { 'text-embedding-3-small': 1536, 'text-embedding-3-large': 3072, 'text-embedding-ada-002': 1536 };

const WINDOW_MS = 60_000;
/** text-embedding-3's input limit; longer inputs get the API's 400. */
const MAX_INPUT_TOKENS = 8191;

/**
 * A local OpenAI-compatible `/v1/embeddings` endpoint for tests, benchmarks and demos: real
 * vectors from a local model (shortened and re-normalised for `dimensions`, as the 3-series
 * API does), `usage` counted in cl100k_base tokens as OpenAI bills them, OpenAI-shaped errors
 * and rate-limit headers. It can enforce rpm/tpm limits and inject 429s with `retry-after`,
 * 5xx, slow replies, malformed bodies and connection resets. Inputs containing `<<reject>>`
 * get the 400 a real endpoint gives for an input it refuses. Started with `HASHED_VECTORS`
 * instead of a local model, it answers with deterministic vectors at no model's cost.
 */
export class OpenAICompatibleServer {
  /** Every request that passed authentication; `at` is when it arrived, as a provider's limiter sees it. */
  readonly requests: { inputs: number; tokens: number; at: number; status: number; dimensions?: number; encodingFormat: string }[] = [];
  /** Every input `/v1/embeddings` embedded and billed, in order (Batch API lines are counted by `batchApi`). */
  readonly embedded: string[] = [];
  usageTokens = 0;
  /** Requests refused by the server's own rpm/tpm limits (not injected faults). */
  rateLimited = 0;
  private readonly faults: Fault[] = [];
  private readonly window: { at: number; tokens: number }[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly counter = openAITokenCounter();
  /** The Batch API: files, batches, their output and error files. */
  readonly batchApi: BatchEndpoints;

  private constructor(
    private readonly server: Server,
    private readonly options: ServerOptions,
    local: EmbeddingProvider | typeof HASHED_VECTORS,
  ) {
    this.batchApi = new BatchEndpoints(
      (body) => this.embedLine(local, body),
      (input) => this.tokensOf(input),
      options.batches,
    );
  }

  get apiKey(): string {
    return this.options.apiKey;
  }

  /** Queues a fault for each of the next `times` requests that pass authentication. */
  inject(fault: Fault, times = 1): void {
    for (let i = 0; i < times; i++) this.faults.push(fault);
  }

  get pendingFaults(): number {
    return this.faults.length;
  }

  static async start(local: EmbeddingProvider | typeof HASHED_VECTORS, options: ServerOptions): Promise<OpenAICompatibleServer> {
    const server = createServer();
    const self = new OpenAICompatibleServer(server, options, local);
    server.on('request', (req, res) => {
      self.handle(local, req, res).catch((error: unknown) => {
        // A client killed mid-request (a SIGKILLed worker) leaves nothing to answer; any other error still fails the test.
        if (req.destroyed && (error as NodeJS.ErrnoException).code === 'ECONNRESET') return;
        throw error;
      });
    });
    server.on('connection', (socket) => {
      self.sockets.add(socket);
      socket.on('close', () => self.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return self;
  }

  get baseURL(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(local: EmbeddingProvider | typeof HASHED_VECTORS, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const arrivedAt = Date.now();
    const requestSchema = z.object({
      model: z.string(),
      input: z.union([z.string(), z.array(z.string())]),
      dimensions: z.int().positive().optional(),
      encoding_format: z.enum(['float', 'base64']).default('float'),
    });
    const fail = (status: number, message: string, type: string, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify({ error: { message, type, param: null, code: null } }));
    };
    const batchRoute = this.batchApi.routes(req.url ?? '');
    if (!batchRoute && (req.method !== 'POST' || req.url !== '/v1/embeddings')) return fail(404, `no route ${req.method} ${req.url}`, 'invalid_request_error');
    if (req.headers.authorization !== `Bearer ${this.options.apiKey}`) return fail(401, 'Incorrect API key provided.', 'invalid_request_error');
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (batchRoute) return this.batchApi.handle(req, res, Buffer.concat(chunks));
    const parsed = requestSchema.safeParse(JSON.parse(Buffer.concat(chunks).toString('utf8')));
    if (!parsed.success) return fail(400, parsed.error.message, 'invalid_request_error');
    const body = parsed.data;
    if (!this.options.models.includes(body.model)) return fail(404, `The model \`${body.model}\` does not exist`, 'invalid_request_error');
    const inputs = Array.isArray(body.input) ? body.input : [body.input];
    const counts = inputs.map((i) => this.tokensOf(i));
    const tokens = counts.reduce((a, b) => a + b, 0);
    const record = (status: number) =>
      this.requests.push({
        inputs: inputs.length,
        tokens,
        at: arrivedAt,
        status,
        encodingFormat: body.encoding_format,
        ...(body.dimensions ? { dimensions: body.dimensions } : {}),
      });

    const fault = this.faults.shift();
    if (fault?.kind === 'reset') {
      record(0);
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'rate-limit') {
      record(429);
      return fail(429, 'Rate limit reached for requests. Please try again later.', 'requests', {
        'retry-after-ms': String(fault.retryAfterMs),
        'retry-after': String(Math.ceil(fault.retryAfterMs / 1000)),
      });
    }
    if (fault?.kind === 'server-error') {
      record(fault.status);
      return fail(fault.status, 'The server had an error while processing your request.', 'server_error');
    }
    if (fault?.kind === 'slow') await new Promise((resolve) => setTimeout(resolve, fault.ms));

    const limited = this.overLimit(tokens, arrivedAt);
    if (limited !== null) {
      this.rateLimited++;
      record(429);
      return fail(429, `Rate limit reached: ${limited.reason}.`, 'tokens', { 'retry-after-ms': String(limited.retryAfterMs), ...this.limitHeaders() });
    }
    const tooLong = counts.findIndex((n) => n > MAX_INPUT_TOKENS);
    if (tooLong >= 0) {
      record(400);
      return fail(
        400,
        `This model's maximum context length is ${MAX_INPUT_TOKENS} tokens, however input ${tooLong} has ${counts[tooLong]} tokens.`,
        'invalid_request_error',
      );
    }
    if (inputs.some((i) => i.includes('<<reject>>'))) {
      record(400);
      return fail(400, 'Invalid input: the input contains content that cannot be embedded.', 'invalid_request_error');
    }
    this.window.push({ at: arrivedAt, tokens });
    const vectors = await this.vectors(local, body.model, inputs, body.dimensions);
    if (fault?.kind === 'malformed') {
      record(200);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"object":"list","data":[{"object":"embedding","index":0,"embedding":');
      return;
    }
    record(200);
    if (this.options.recordInputs ?? true) this.embedded.push(...inputs);
    this.usageTokens += tokens;
    res.writeHead(200, { 'content-type': 'application/json', ...this.limitHeaders() }).end(JSON.stringify(this.embeddingsBody(body, vectors, tokens)));
  }

  private async vectors(local: EmbeddingProvider | typeof HASHED_VECTORS, model: string, inputs: string[], dimensions?: number): Promise<Float32Array[]> {
    return local === HASHED_VECTORS
      ? inputs.map((input) => hashedEmbedding(model, input, dimensions ?? NATIVE_DIMENSIONS[model] ?? 1536))
      : (await local.embed(inputs, 'document')).vectors;
  }

  /** The embeddings reply: vectors cut to `dimensions` and re-normalised, as floats or base64 as asked. */
  private embeddingsBody(
    body: { model: string; dimensions?: number | undefined; encoding_format: 'float' | 'base64' },
    vectors: Float32Array[],
    tokens: number,
  ) {
    const shorten = (v: Float32Array) => {
      const shortened = unit(v.slice(0, body.dimensions ?? v.length));
      return body.encoding_format === 'base64' && !this.options.floatsOnly ? float32ToBase64(shortened) : Array.from(shortened);
    };
    return {
      object: 'list',
      model: body.model,
      data: vectors.map((v, index) => ({ object: 'embedding', index, embedding: shorten(v) })),
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    };
  }

  /** One Batch API line, as `/v1/embeddings` would answer it (no faults, no rate limits: the batch queue has its own). */
  private async embedLine(
    local: EmbeddingProvider | typeof HASHED_VECTORS,
    body: { model: string; input: string; dimensions?: number; encoding_format: 'float' | 'base64' },
  ): Promise<{ status: number; body: unknown; tokens: number }> {
    const error = (status: number, message: string) => ({
      status,
      body: { error: { message, type: 'invalid_request_error', param: null, code: null } },
      tokens: 0,
    });
    if (!this.options.models.includes(body.model)) return error(404, `The model \`${body.model}\` does not exist`);
    const tokens = this.tokensOf(body.input);
    if (tokens > MAX_INPUT_TOKENS)
      return error(400, `This model's maximum context length is ${MAX_INPUT_TOKENS} tokens, however input 0 has ${tokens} tokens.`);
    if (body.input.includes('<<reject>>')) return error(400, 'Invalid input: the input contains content that cannot be embedded.');
    return { status: 200, body: this.embeddingsBody(body, await this.vectors(local, body.model, [body.input], body.dimensions), tokens), tokens };
  }

  private tokensOf(input: string): number {
    if (this.options.countUsage ?? true) return this.counter.count(input);
    const bound = tokenUpperBound(input);
    return bound > MAX_INPUT_TOKENS ? this.counter.count(input) : Math.ceil(bound / 4);
  }

  /** Null when the request fits the last minute's limits, else why and for how long not. */
  private overLimit(tokens: number, now: number): { reason: string; retryAfterMs: number } | null {
    while (this.window.length > 0 && this.window[0]!.at <= now - WINDOW_MS) this.window.shift();
    const { rpm, tpm } = this.options.limits ?? {};
    const oldest = this.window[0]?.at ?? now;
    if (rpm && this.window.length + 1 > rpm) return { reason: `${rpm} requests per minute`, retryAfterMs: oldest + WINDOW_MS - now };
    const used = this.window.reduce((s, e) => s + e.tokens, 0);
    if (tpm && used + tokens > tpm) return { reason: `${tpm} tokens per minute (used ${used}, requested ${tokens})`, retryAfterMs: oldest + WINDOW_MS - now };
    return null;
  }

  private limitHeaders(): Record<string, string> {
    const { rpm, tpm } = this.options.limits ?? {};
    const used = this.window.reduce((s, e) => s + e.tokens, 0);
    const reset = `${Math.max(0, (this.window[0]?.at ?? Date.now()) + WINDOW_MS - Date.now())}ms`;
    return {
      ...(rpm
        ? {
            'x-ratelimit-limit-requests': String(rpm),
            'x-ratelimit-remaining-requests': String(Math.max(0, rpm - this.window.length)),
            'x-ratelimit-reset-requests': reset,
          }
        : {}),
      ...(tpm
        ? { 'x-ratelimit-limit-tokens': String(tpm), 'x-ratelimit-remaining-tokens': String(Math.max(0, tpm - used)), 'x-ratelimit-reset-tokens': reset }
        : {}),
    };
  }
}
