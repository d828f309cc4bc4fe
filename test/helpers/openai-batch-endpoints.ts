import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';

/** Embeds one line's inputs as the server's `/v1/embeddings` does: vectors as the request asked for them, tokens per input. */
export type LineEmbedder = (body: { model: string; input: string; dimensions?: number; encoding_format: 'float' | 'base64' }) => Promise<{
  status: number;
  body: unknown;
  tokens: number;
}>;

export interface BatchOptions {
  /** How long a batch stays in progress before it completes (default 300 ms). */
  readonly completionDelayMs?: number;
  /** The organisation's enqueued-token limit: a batch that would take the queue past it fails with `token_limit_exceeded`. */
  readonly maxEnqueuedTokens?: number;
}

/** Lines whose input holds this fail with a 500 inside the batch (the synchronous API embeds them fine). */
export const BATCH_LINE_FAILURE = '<<batch-fail>>';

interface StoredBatch {
  id: string;
  status: 'validating' | 'failed' | 'in_progress' | 'finalizing' | 'completed' | 'expired' | 'cancelling' | 'cancelled';
  inputFileId: string;
  outputFileId: string | null;
  errorFileId: string | null;
  createdAt: number;
  completeAt: number;
  metadata: Record<string, string> | null;
  lines: { custom_id: string; body: unknown }[];
  tokens: number;
  counts: { total: number; completed: number; failed: number };
  errors: { code: string; message: string }[] | null;
  /** Set by expireNext(): the batch expires having run this share of its lines. */
  expireAfter?: number;
}

const requestLineSchema = z.object({
  custom_id: z.string(),
  method: z.literal('POST'),
  url: z.literal('/v1/embeddings'),
  body: z.object({
    model: z.string(),
    input: z.string(),
    dimensions: z.int().positive().optional(),
    encoding_format: z.enum(['float', 'base64']).default('float'),
  }),
});

/**
 * The Files and Batches endpoints of the stand-in OpenAI server, for `/v1/embeddings` batches:
 * upload, create (with the organisation's enqueued-token limit), retrieve, list (newest first,
 * paginated), cancel, and output and error files in the Batch API's line format. A batch runs
 * when it is looked at after its completion delay; it can be made to expire part-way, and lines
 * marked BATCH_LINE_FAILURE fail.
 */
export class BatchEndpoints {
  readonly files = new Map<string, { filename: string; content: string }>();
  readonly batches: StoredBatch[] = [];
  /** Every line submitted, by custom_id: how many batches carried it (to count duplicate submissions). */
  readonly submissions = new Map<string, number>();
  /** Lines submitted again while an earlier submission of them had run or could still run. */
  duplicateSubmissions = 0;
  private readonly ranLines = new Set<string>();
  private expireNextShare: number | null = null;
  private ids = 0;
  private completionDelayMs: number;
  private maxEnqueuedTokens: number | undefined;

  constructor(
    private readonly embedLine: LineEmbedder,
    private readonly tokensOf: (input: string) => number,
    options: BatchOptions = {},
  ) {
    this.completionDelayMs = options.completionDelayMs ?? 300;
    this.maxEnqueuedTokens = options.maxEnqueuedTokens;
  }

  /** The organisation's enqueued-token limit from now on. */
  setMaxEnqueuedTokens(tokens: number): void {
    this.maxEnqueuedTokens = tokens;
  }

  /** Batches created from now on complete after `ms`; running ones keep their time. */
  setCompletionDelay(ms: number): void {
    this.completionDelayMs = ms;
  }

  /** The next batch to complete expires after running `share` of its lines. */
  expireNext(share = 0.5): void {
    this.expireNextShare = share;
  }

  get linesSubmitted(): number {
    return [...this.submissions.values()].reduce((a, b) => a + b, 0);
  }

  /** Tokens billed for batch lines that ran. */
  get billedTokens(): number {
    return this.batches.reduce((sum, b) => sum + b.tokens, 0);
  }

  routes(url: string): boolean {
    return url.startsWith('/v1/files') || url.startsWith('/v1/batches');
  }

  async handle(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    const url = new URL(req.url!, 'http://stand-in');
    const send = (status: number, json: unknown): void => void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
    const notFound = () => send(404, { error: { message: `No such object: ${url.pathname}`, type: 'invalid_request_error' } });
    const parts = url.pathname.split('/').filter(Boolean); // v1, files|batches, id?, action?
    if (parts[1] === 'files' && req.method === 'POST' && parts.length === 2) {
      const form = await new Request('http://stand-in/v1/files', { method: 'POST', headers: req.headers as Record<string, string>, body }).formData();
      const file = form.get('file');
      if (!(file instanceof Blob) || form.get('purpose') !== 'batch')
        return send(400, { error: { message: 'expected a file with purpose batch', type: 'invalid_request_error' } });
      const id = `file-${++this.ids}`;
      this.files.set(id, { filename: (file as File).name, content: await file.text() });
      return send(200, { id, object: 'file', bytes: file.size, created_at: now(), filename: (file as File).name, purpose: 'batch' });
    }
    if (parts[1] === 'files' && req.method === 'GET' && parts[3] === 'content') {
      const file = this.files.get(parts[2]!);
      if (!file) return notFound();
      return void res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(file.content);
    }
    if (parts[1] !== 'batches') return notFound();
    if (req.method === 'POST' && parts.length === 2) return send(200, this.create(JSON.parse(body.toString('utf8'))));
    if (req.method === 'GET' && parts.length === 2) {
      const limit = Number(url.searchParams.get('limit') ?? 20);
      const newestFirst = [...this.batches].reverse();
      const after = url.searchParams.get('after');
      const from = after ? newestFirst.findIndex((b) => b.id === after) + 1 : 0;
      const page = newestFirst.slice(from, from + limit);
      for (const b of page) await this.advance(b);
      return send(200, {
        object: 'list',
        data: page.map(view),
        first_id: page[0]?.id ?? null,
        last_id: page.at(-1)?.id ?? null,
        has_more: from + limit < newestFirst.length,
      });
    }
    const batch = this.batches.find((b) => b.id === parts[2]);
    if (!batch) return notFound();
    if (req.method === 'POST' && parts[3] === 'cancel') {
      if (!['validating', 'in_progress', 'finalizing'].includes(batch.status)) {
        return send(409, { error: { message: `Cannot cancel a batch with status ${batch.status}.`, type: 'invalid_request_error' } });
      }
      batch.status = 'cancelling';
      batch.completeAt = Date.now() + 50;
      return send(200, view(batch));
    }
    await this.advance(batch);
    return send(200, view(batch));
  }

  private create(request: { input_file_id: string; endpoint: string; completion_window: string; metadata?: Record<string, string> }): unknown {
    const file = this.files.get(request.input_file_id);
    const lines = (file?.content ?? '')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => requestLineSchema.parse(JSON.parse(l)));
    const tokens = lines.reduce((sum, l) => sum + this.tokensOf(l.body.input), 0);
    const enqueued = this.batches.filter((b) => ['validating', 'in_progress', 'finalizing'].includes(b.status)).reduce((s, b) => s + b.tokens, 0);
    const batch: StoredBatch = {
      id: `batch_${++this.ids}`,
      status: 'validating',
      inputFileId: request.input_file_id,
      outputFileId: null,
      errorFileId: null,
      createdAt: now(),
      completeAt: Date.now() + this.completionDelayMs,
      metadata: request.metadata ?? null,
      lines,
      tokens,
      counts: { total: lines.length, completed: 0, failed: 0 },
      errors: null,
    };
    const limit = this.maxEnqueuedTokens;
    if (limit !== undefined && enqueued + tokens > limit) {
      batch.status = 'failed';
      batch.tokens = 0;
      batch.errors = [
        {
          code: 'token_limit_exceeded',
          message: `Enqueued token limit reached. Limit: ${limit} enqueued tokens. Please try again once some in_progress batches have been completed.`,
        },
      ];
    } else {
      for (const l of lines) {
        if (this.ranLines.has(l.custom_id) || this.openLine(l.custom_id)) this.duplicateSubmissions++;
        this.submissions.set(l.custom_id, (this.submissions.get(l.custom_id) ?? 0) + 1);
      }
      batch.status = 'in_progress';
    }
    this.batches.push(batch);
    return view(batch);
  }

  private openLine(customId: string): boolean {
    return this.batches.some(
      (b) => ['validating', 'in_progress', 'finalizing', 'cancelling'].includes(b.status) && b.lines.some((l) => l.custom_id === customId),
    );
  }

  /** Runs a batch whose time has come: every line, or (expiring, cancelled) part of them. */
  private async advance(batch: StoredBatch): Promise<void> {
    if (!['in_progress', 'cancelling'].includes(batch.status) || Date.now() < batch.completeAt) return;
    const cancelled = batch.status === 'cancelling';
    if (!cancelled && this.expireNextShare !== null && batch.expireAfter === undefined) {
      batch.expireAfter = this.expireNextShare;
      this.expireNextShare = null;
    }
    const runs = cancelled ? 0 : Math.floor(batch.lines.length * (batch.expireAfter ?? 1));
    const output: string[] = [];
    const errors: string[] = [];
    let billed = 0;
    for (const [i, line] of batch.lines.entries()) {
      const id = `batch_req_${batch.id}_${i}`;
      if (i >= runs) {
        const code = cancelled ? 'batch_cancelled' : 'batch_expired';
        errors.push(JSON.stringify({ id, custom_id: line.custom_id, response: null, error: { code, message: `This request was not executed (${code}).` } }));
        continue;
      }
      this.ranLines.add(line.custom_id);
      const body = (line as z.output<typeof requestLineSchema>).body;
      const result = body.input.includes(BATCH_LINE_FAILURE)
        ? { status: 500, body: { error: { message: 'The server had an error processing this request.', type: 'server_error' } }, tokens: 0 }
        : await this.embedLine(body);
      billed += result.status === 200 ? result.tokens : 0;
      const entry = JSON.stringify({ id, custom_id: line.custom_id, response: { status_code: result.status, request_id: id, body: result.body }, error: null });
      (result.status === 200 ? output : errors).push(entry);
      if (result.status === 200) batch.counts.completed++;
      else batch.counts.failed++;
    }
    batch.tokens = billed;
    if (output.length > 0) batch.outputFileId = this.file(`${batch.id}_output.jsonl`, output);
    if (errors.length > 0) batch.errorFileId = this.file(`${batch.id}_error.jsonl`, errors);
    batch.status = cancelled ? 'cancelled' : batch.expireAfter !== undefined ? 'expired' : 'completed';
  }

  private file(filename: string, lines: string[]): string {
    const id = `file-${++this.ids}`;
    this.files.set(id, { filename, content: `${lines.join('\n')}\n` });
    return id;
  }
}

const now = () => Math.floor(Date.now() / 1000);

function view(b: StoredBatch): unknown {
  return {
    id: b.id,
    object: 'batch',
    endpoint: '/v1/embeddings',
    errors: b.errors ? { object: 'list', data: b.errors } : null,
    input_file_id: b.inputFileId,
    completion_window: '24h',
    status: b.status,
    output_file_id: b.outputFileId,
    error_file_id: b.errorFileId,
    created_at: b.createdAt,
    expires_at: b.createdAt + 86_400,
    request_counts: b.counts,
    metadata: b.metadata,
  };
}
