import { z } from 'zod';
import { float32FromBase64 } from './float32-base64.js';
import type { OpenAISpec } from './openai-provider.js';

/**
 * The Batch API's JSONL lines for `/v1/embeddings`: one request per distinct text, named by
 * the document that brought it (`custom_id` = doc id + ":" + source hash), and the outcome of
 * each line in the output and error files.
 */

export function customId(docId: string, sourceHash: string): string {
  return `${docId}:${sourceHash}`;
}

/** The source hash a line's custom_id names (doc ids may contain ":"; the hash never does). */
export function hashOfCustomId(id: string): string {
  return id.slice(id.lastIndexOf(':') + 1);
}

/** One request line, newline included. */
export function requestLine(spec: OpenAISpec, id: string, input: string): string {
  const body = {
    model: spec.model,
    input,
    encoding_format: 'base64',
    ...(spec.model.startsWith('text-embedding-3') ? { dimensions: spec.dimensions } : {}),
  };
  return `${JSON.stringify({ custom_id: id, method: 'POST', url: '/v1/embeddings', body })}\n`;
}

export type LineOutcome =
  | { readonly kind: 'vector'; readonly customId: string; readonly vector: Float32Array; readonly tokens: number }
  /** A 400: the input itself is refused; the document is quarantined. */
  | { readonly kind: 'invalid'; readonly customId: string; readonly reason: string }
  /** Any other failure of the line: the document goes through the synchronous API. */
  | { readonly kind: 'failed'; readonly customId: string; readonly reason: string }
  /** The batch ended (expired, cancelled) before running the line: it is submitted again. */
  | { readonly kind: 'unfinished'; readonly customId: string };

const UNFINISHED_CODES = new Set(['batch_expired', 'batch_cancelled']);

const resultLineSchema = z.object({
  custom_id: z.string(),
  response: z.object({ status_code: z.number(), body: z.unknown() }).nullish(),
  error: z.object({ code: z.string().nullish(), message: z.string().nullish() }).nullish(),
});

const embeddingBodySchema = z.object({
  data: z.array(z.object({ embedding: z.union([z.string(), z.array(z.number())]) })).length(1),
  usage: z.object({ prompt_tokens: z.int().nonnegative() }),
});

const errorBodySchema = z.object({ error: z.object({ message: z.string() }) });

/** What one line of an output or error file says; a line that is not a result line throws. */
export function lineOutcome(line: string): LineOutcome {
  const parsed = resultLineSchema.safeParse(JSON.parse(line));
  if (!parsed.success) throw new Error(`a Batch API result line that is not one: ${parsed.error.issues[0]?.message}`);
  const { custom_id: id, response, error } = parsed.data;
  if (!response) {
    if (error?.code && UNFINISHED_CODES.has(error.code)) return { kind: 'unfinished', customId: id };
    return { kind: 'failed', customId: id, reason: error?.message ?? error?.code ?? 'no response' };
  }
  if (response.status_code === 200) {
    const body = embeddingBodySchema.safeParse(response.body);
    if (!body.success) return { kind: 'failed', customId: id, reason: `malformed embedding reply (${body.error.issues[0]?.message})` };
    const raw = body.data.data[0]!.embedding;
    const vector = typeof raw === 'string' ? float32FromBase64(raw) : Float32Array.from(raw);
    if (!vector) return { kind: 'failed', customId: id, reason: 'a base64 embedding that is not whole float32 values' };
    return { kind: 'vector', customId: id, vector, tokens: body.data.usage.prompt_tokens };
  }
  const message = errorBodySchema.safeParse(response.body);
  const reason = `${response.status_code}: ${message.success ? message.data.error.message : 'no message'}`;
  return response.status_code === 400
    ? { kind: 'invalid', customId: id, reason: `the Batch API rejected the input (${reason})` }
    : { kind: 'failed', customId: id, reason };
}
