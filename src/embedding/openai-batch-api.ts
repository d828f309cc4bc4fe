import OpenAI, { toFile } from 'openai';
import { z } from 'zod';
import type { OpenAIDeployment } from '../config/env.js';
import { ProviderConfigError } from '../errors.js';
import { COMPLETION_WINDOW } from './batch-api-limits.js';

const batchSchema = z.object({
  id: z.string(),
  status: z.enum(['validating', 'failed', 'in_progress', 'finalizing', 'completed', 'expired', 'cancelling', 'cancelled']),
  created_at: z.number(),
  output_file_id: z.string().nullish(),
  error_file_id: z.string().nullish(),
  request_counts: z.object({ total: z.number(), completed: z.number(), failed: z.number() }).nullish(),
  metadata: z.record(z.string(), z.string()).nullish(),
  errors: z.object({ data: z.array(z.object({ code: z.string().nullish(), message: z.string().nullish() })).nullish() }).nullish(),
});

export type BatchView = z.output<typeof batchSchema>;

/**
 * The OpenAI Files and Batches endpoints, as the Batch API backfill uses them, on the primary
 * deployment (a batch lives in one account; there is no failing over mid-batch). Replies are
 * validated; a refused key is a ProviderConfigError (the migration pauses until it is fixed),
 * anything else throws for the activity's retry.
 */
export class OpenAIBatchApi {
  private readonly client: OpenAI;

  constructor(
    deployment: OpenAIDeployment,
    private readonly specId: string,
  ) {
    if (!deployment.apiKey) {
      throw new ProviderConfigError(
        `Spec ${specId} is backfilled through the Batch API but no API key is set for ${deployment.name} (${deployment.baseURL}). Set OPENAI_API_KEY, restart the worker and resume.`,
      );
    }
    this.client = new OpenAI({ apiKey: deployment.apiKey, baseURL: deployment.baseURL, timeout: 120_000 });
  }

  /** Uploads a JSONL file of requests (purpose `batch`); returns its file id. */
  async upload(filename: string, jsonl: string): Promise<string> {
    const upload = await toFile(Buffer.from(jsonl, 'utf8'), filename);
    const file = await this.call(() => this.client.files.create({ file: upload, purpose: 'batch' }));
    return z.object({ id: z.string() }).parse(file).id;
  }

  async create(inputFileId: string, metadata: Record<string, string>): Promise<BatchView> {
    return this.view(
      await this.call(() =>
        this.client.batches.create({ input_file_id: inputFileId, endpoint: '/v1/embeddings', completion_window: COMPLETION_WINDOW, metadata }),
      ),
    );
  }

  async retrieve(id: string): Promise<BatchView> {
    return this.view(await this.call(() => this.client.batches.retrieve(id)));
  }

  async cancel(id: string): Promise<BatchView> {
    return this.view(await this.call(() => this.client.batches.cancel(id)));
  }

  /**
   * The batch whose metadata holds every pair of `match`, looking back to `since` (epoch
   * seconds; the list is newest first): how a retried submission finds the batch its crashed
   * attempt created, instead of creating a second one.
   */
  async find(match: Record<string, string>, since: number): Promise<BatchView | null> {
    for await (const raw of this.client.batches.list({ limit: 100 })) {
      const batch = this.view(raw);
      if (Object.entries(match).every(([k, v]) => batch.metadata?.[k] === v)) return batch;
      if (batch.created_at < since) return null;
    }
    return null;
  }

  /** A file's lines, read as they arrive (an output file can be hundreds of megabytes). */
  async *lines(fileId: string): AsyncGenerator<string> {
    const response = await this.call(() => this.client.files.content(fileId));
    if (!response.body) return;
    const decoder = new TextDecoder();
    let rest = '';
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      rest += decoder.decode(chunk, { stream: true });
      const lines = rest.split('\n');
      rest = lines.pop()!;
      for (const line of lines) if (line.trim() !== '') yield line;
    }
    if (rest.trim() !== '') yield rest;
  }

  private view(raw: unknown): BatchView {
    const parsed = batchSchema.safeParse(raw);
    if (!parsed.success) throw new Error(`${this.specId}: the Batch API returned a malformed batch (${parsed.error.issues[0]?.message})`);
    return parsed.data;
  }

  private async call<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      if (error instanceof OpenAI.AuthenticationError || error instanceof OpenAI.PermissionDeniedError) {
        throw new ProviderConfigError(
          `${this.specId}: the Batch API refused our API key (${error.status}: ${error.message}). Fix OPENAI_API_KEY, restart the worker and resume.`,
        );
      }
      throw error;
    }
  }
}
