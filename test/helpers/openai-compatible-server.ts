import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import type { EmbeddingProvider } from '../../src/embedding/provider';

/**
 * A local OpenAI-compatible `/v1/embeddings` endpoint for tests: real vectors from a local
 * model (shortened and re-normalised for `dimensions`, as the 3-series API does), real
 * token counts in `usage`, OpenAI-shaped errors. Inputs containing `<<reject>>` get the
 * 400 a real endpoint gives for an input it refuses.
 */
export class OpenAICompatibleServer {
  readonly requests: { inputs: number; dimensions?: number }[] = [];
  private constructor(
    private readonly server: Server,
    readonly apiKey: string,
  ) {}

  static async start(local: EmbeddingProvider, options: { apiKey: string; models: readonly string[] }): Promise<OpenAICompatibleServer> {
    const requestSchema = z.object({
      model: z.string(),
      input: z.union([z.string(), z.array(z.string())]),
      dimensions: z.int().positive().optional(),
      encoding_format: z.enum(['float', 'base64']).default('float'),
    });
    let self: OpenAICompatibleServer;
    const fail = (res: ServerResponse, status: number, message: string, type: string) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message, type, param: null, code: null } }));
    };
    const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
      if (req.method !== 'POST' || req.url !== '/v1/embeddings') return fail(res, 404, `no route ${req.method} ${req.url}`, 'invalid_request_error');
      if (req.headers.authorization !== `Bearer ${options.apiKey}`) return fail(res, 401, 'Incorrect API key provided.', 'invalid_request_error');
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const parsed = requestSchema.safeParse(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      if (!parsed.success) return fail(res, 400, parsed.error.message, 'invalid_request_error');
      const body = parsed.data;
      if (!options.models.includes(body.model)) return fail(res, 404, `The model \`${body.model}\` does not exist`, 'invalid_request_error');
      const inputs = Array.isArray(body.input) ? body.input : [body.input];
      self.requests.push({ inputs: inputs.length, ...(body.dimensions ? { dimensions: body.dimensions } : {}) });
      if (inputs.some((i) => i.includes('<<reject>>'))) return fail(res, 400, 'Invalid input: the input contains content that cannot be embedded.', 'invalid_request_error');
      const { vectors, tokens } = await local.embed(inputs, 'document');
      const shorten = (v: Float32Array) => {
        const cut = Array.from(v.slice(0, body.dimensions ?? v.length));
        const norm = Math.sqrt(cut.reduce((s, x) => s + x * x, 0));
        return cut.map((x) => x / norm);
      };
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          object: 'list',
          model: body.model,
          data: vectors.map((v, index) => ({ object: 'embedding', index, embedding: shorten(v) })),
          usage: { prompt_tokens: tokens, total_tokens: tokens },
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    self = new OpenAICompatibleServer(server, options.apiKey);
    return self;
  }

  get baseURL(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
