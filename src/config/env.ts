import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { REGISTRY_CACHE_MS } from '../migration/writer-staleness.js';
import { BATCH_API_LIMITS, type BatchApiLimits } from '../embedding/batch-api-limits.js';
import { prices } from './prices.js';

/**
 * reembed's whole environment contract. Parsed once at start-up; everything after
 * receives the typed, frozen result and never reads process.env again.
 */

const hostPort = z.string().regex(/^[^\s:/]+:\d{1,5}$/, 'expected host:port, e.g. 127.0.0.1:7233');

const httpUrl = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL, e.g. http://127.0.0.1:9200' });

const flag = z.enum(['true', 'false', '1', '0'], { error: 'expected true or false' }).transform((v) => v === 'true' || v === '1');

const nonEmpty = z.string().min(1, 'must not be empty');

const commaSeparated = z.string().transform((list) =>
  list
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n.length > 0),
);

/** Names separated by commas, e.g. `alice,bob`. */
export const approverListSchema = commaSeparated.pipe(z.array(z.string().max(200)).min(1, 'expected names separated by commas, e.g. alice,bob'));

/** One Elasticsearch node's URL, or several of one cluster separated by commas. */
const nodeUrls = commaSeparated.pipe(z.array(httpUrl).min(1, 'expected node URLs separated by commas, e.g. http://es1:9200,http://es2:9200'));
const perMinute = z.coerce.number().int('expected a whole number').positive('must be positive');

/** The fix to suggest for each variable when its value is rejected. */
const FIXES: Record<string, string> = {
  TEMPORAL_ADDRESS: 'point it at your Temporal frontend, or unset it to use the local dev server on 127.0.0.1:7233',
  TEMPORAL_NAMESPACE: 'use an existing namespace, or unset it for "default"',
  TEMPORAL_TLS: 'set it to true for Temporal Cloud or a TLS frontend, false for the local dev server',
  TEMPORAL_API_KEY: 'paste a Temporal Cloud API key, or unset it',
  TEMPORAL_UI_URL: 'the base URL of the Temporal Web UI, e.g. http://127.0.0.1:8233',
  REEMBED_TASK_QUEUE: 'any non-empty name; workers and clients must agree on it',
  ES_URL: 'point it at your Elasticsearch node, or unset it for the local node on http://127.0.0.1:9200',
  ES_USERNAME: 'set ES_USERNAME and ES_PASSWORD together for basic auth',
  ES_PASSWORD: 'set ES_USERNAME and ES_PASSWORD together for basic auth',
  ES_API_KEY: 'use an encoded API key from POST /_security/api_key, or unset it',
  REEMBED_MODELS_DIR: 'the folder `npm run setup` fills with local models',
  REEMBED_DATASETS_DIR: 'the folder `npm run setup` fills with labelled data sets (the Lee corpus)',
  REEMBED_APPROVERS: 'names separated by commas, e.g. alice,bob — who may approve cutovers (unset: anyone who can signal the workflow)',
  OPENAI_BASE_URL: 'any OpenAI-compatible endpoint, e.g. https://api.openai.com/v1 or an Azure/proxy URL ending in /v1',
  OPENAI_API_KEY: 'the API key for OPENAI_BASE_URL',
  OPENAI_RPM: "the deployment's requests-per-minute limit as a whole number, or unset it for no request limit",
  OPENAI_TPM: "the deployment's tokens-per-minute limit as a whole number, or unset it for no token limit",
  OPENAI_MAX_INPUTS_PER_REQUEST: 'a whole number from 1 to 2048 (the embeddings API accepts at most 2048 inputs per request)',
  OPENAI_MAX_CONCURRENCY: 'how many requests one worker keeps in flight per deployment, a whole number from 1 to 64',
  OPENAI_FALLBACK_BASE_URL: 'a second endpoint serving the same model (another region, key or proxy), or unset it',
  OPENAI_FALLBACK_API_KEY: 'the API key for OPENAI_FALLBACK_BASE_URL',
  OPENAI_FALLBACK_RPM: "the fallback deployment's requests-per-minute limit, or unset it",
  OPENAI_FALLBACK_TPM: "the fallback deployment's tokens-per-minute limit, or unset it",
  REEMBED_PRICES: 'comma-separated <spec>=<US dollars per million tokens>[/<Batch API price>], e.g. openai-3-small-256=0.02 or openai-3-small-256=0.02/0.01',
  REEMBED_RED_INDEX_WAIT_MS: 'milliseconds a red index may take to recover by itself before the migration pauses, or unset it for 60000',
  REEMBED_BATCH_MAX_REQUESTS_PER_FILE: 'a whole number from 1 to 50000 (the Batch API takes at most 50,000 requests per file)',
  REEMBED_BATCH_MAX_INPUTS: 'a whole number from 1 to 50000 (the Batch API embeds at most 50,000 inputs per batch)',
  REEMBED_BATCH_MAX_FILE_BYTES: 'a whole number of bytes up to 209715200 (the Files API takes files up to 200 MB)',
  REEMBED_BATCH_MAX_ENQUEUED_TOKENS: "your organisation's enqueued-token limit for the model (see your OpenAI limits page), a whole number",
  REEMBED_TASK_QUEUE_ACTIVITIES_PER_SECOND: 'a positive number: activity starts per second across all workers of the task queue, or unset it',
  REEMBED_REGISTRY_CACHE_MS: 'milliseconds from 0 to 60000 that writers and routers may keep a registry record, or unset it for 2000',
};

const envSchema = z
  .object({
    TEMPORAL_ADDRESS: hostPort.default('127.0.0.1:7233'),
    TEMPORAL_NAMESPACE: nonEmpty.default('default'),
    TEMPORAL_TLS: flag.optional(),
    TEMPORAL_API_KEY: nonEmpty.optional(),
    TEMPORAL_UI_URL: httpUrl.default('http://127.0.0.1:8233'),
    REEMBED_TASK_QUEUE: nonEmpty.default('reembed'),
    ES_URL: nodeUrls.default(['http://127.0.0.1:9200']),
    ES_USERNAME: nonEmpty.optional(),
    ES_PASSWORD: nonEmpty.optional(),
    ES_API_KEY: nonEmpty.optional(),
    REEMBED_RED_INDEX_WAIT_MS: z.coerce.number().int().min(0).default(60_000),
    REEMBED_MODELS_DIR: nonEmpty.default(join(homedir(), '.cache', 'reembed', 'models')),
    REEMBED_DATASETS_DIR: nonEmpty.default(join(homedir(), '.cache', 'reembed', 'datasets')),
    REEMBED_APPROVERS: approverListSchema.optional(),
    OPENAI_BASE_URL: httpUrl.default('https://api.openai.com/v1'),
    OPENAI_API_KEY: nonEmpty.optional(),
    OPENAI_RPM: perMinute.optional(),
    OPENAI_TPM: perMinute.optional(),
    OPENAI_MAX_INPUTS_PER_REQUEST: z.coerce.number().int().min(1).max(2048).default(2048),
    OPENAI_MAX_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
    OPENAI_FALLBACK_BASE_URL: httpUrl.optional(),
    OPENAI_FALLBACK_API_KEY: nonEmpty.optional(),
    OPENAI_FALLBACK_RPM: perMinute.optional(),
    OPENAI_FALLBACK_TPM: perMinute.optional(),
    REEMBED_PRICES: prices.optional(),
    REEMBED_BATCH_MAX_REQUESTS_PER_FILE: z.coerce.number().int().min(1).max(BATCH_API_LIMITS.requestsPerFile).default(BATCH_API_LIMITS.requestsPerFile),
    REEMBED_BATCH_MAX_INPUTS: z.coerce.number().int().min(1).max(BATCH_API_LIMITS.inputsPerBatch).default(BATCH_API_LIMITS.inputsPerBatch),
    REEMBED_BATCH_MAX_FILE_BYTES: z.coerce.number().int().min(1024).max(BATCH_API_LIMITS.fileBytes).default(BATCH_API_LIMITS.fileBytes),
    REEMBED_BATCH_MAX_ENQUEUED_TOKENS: z.coerce.number().int().positive().default(BATCH_API_LIMITS.enqueuedTokens),
    REEMBED_TASK_QUEUE_ACTIVITIES_PER_SECOND: z.coerce.number().positive().optional(),
    REEMBED_REGISTRY_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(REGISTRY_CACHE_MS),
  })
  .superRefine((env, ctx) => {
    if ((env.ES_USERNAME === undefined) !== (env.ES_PASSWORD === undefined)) {
      const missing = env.ES_USERNAME === undefined ? 'ES_USERNAME' : 'ES_PASSWORD';
      ctx.addIssue({ code: 'custom', path: [missing], message: 'basic auth needs both ES_USERNAME and ES_PASSWORD' });
    }
    if (env.ES_API_KEY !== undefined && env.ES_USERNAME !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['ES_API_KEY'], message: 'choose one of ES_API_KEY or ES_USERNAME/ES_PASSWORD' });
    }
    if (env.OPENAI_FALLBACK_API_KEY !== undefined && env.OPENAI_FALLBACK_BASE_URL === undefined) {
      ctx.addIssue({ code: 'custom', path: ['OPENAI_FALLBACK_BASE_URL'], message: 'a fallback key needs its endpoint' });
    }
  });

/** One endpoint serving a model, with the limits its account has there. */
export interface OpenAIDeployment {
  readonly name: string;
  readonly baseURL: string;
  readonly apiKey?: string;
  readonly rpm?: number;
  readonly tpm?: number;
}

export type ElasticsearchAuth = { kind: 'none' } | { kind: 'basic'; username: string; password: string } | { kind: 'apiKey'; apiKey: string };

export interface Config {
  readonly temporal: {
    readonly address: string;
    readonly namespace: string;
    readonly taskQueue: string;
    readonly tls: boolean;
    readonly apiKey?: string;
    readonly uiUrl: string;
  };
  readonly elasticsearch: {
    /** The nodes as ES_URL lists them, comma-separated: what messages name. */
    readonly url: string;
    /** Every node the client spreads requests over. */
    readonly nodes: readonly string[];
    readonly auth: ElasticsearchAuth;
    /** How long a red index may take to recover (a node restarting) before a migration pauses for it. */
    readonly redIndexWaitMs: number;
  };
  readonly modelsDir: string;
  readonly datasetsDir: string;
  /** Who may approve cutovers by default (a migration's `approvers` overrides it); null: anyone. */
  readonly approvers: readonly string[] | null;
  readonly openai: {
    /** The primary deployment first; later ones take over while it keeps failing. */
    readonly deployments: readonly OpenAIDeployment[];
    readonly maxInputsPerRequest: number;
    readonly maxConcurrency: number;
  };
  /** US dollars per million tokens by spec id, overriding the specs' price table. */
  readonly prices: Readonly<Record<string, number>>;
  /** The same through the Batch API, where REEMBED_PRICES gives one (`<spec>=<sync>/<batch>`). */
  readonly batchPrices: Readonly<Record<string, number>>;
  /** What one Batch API batch may hold and how many tokens may wait in the queue at once. */
  readonly batchApi: BatchApiLimits;
  /** Temporal's task-queue activity rate limit: a cap across every worker. */
  readonly taskQueueActivitiesPerSecond?: number;
  /**
   * How long this process's writers and routers may keep a registry record. Migrations the
   * client starts wait a multiple of it before relying on every writer having seen a change.
   */
  readonly registryCacheMs: number;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

function describeIssues(error: z.ZodError, env: Record<string, string | undefined>): string {
  const lines = error.issues.map((issue) => {
    const variable = String(issue.path[0] ?? 'environment');
    const value = env[variable];
    const shown = value === undefined ? '(unset)' : JSON.stringify(variable.includes('PASSWORD') || variable.includes('KEY') ? '***' : value);
    const fix = FIXES[variable] ? ` Fix: ${FIXES[variable]}.` : '';
    return `  - ${variable}=${shown}: ${issue.message}.${fix}`;
  });
  return `Invalid reembed configuration:\n${lines.join('\n')}`;
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) throw new ConfigError(describeIssues(parsed.error, env));
  const e = parsed.data;
  const auth: ElasticsearchAuth = e.ES_API_KEY
    ? { kind: 'apiKey', apiKey: e.ES_API_KEY }
    : e.ES_USERNAME && e.ES_PASSWORD
      ? { kind: 'basic', username: e.ES_USERNAME, password: e.ES_PASSWORD }
      : { kind: 'none' };
  return Object.freeze({
    temporal: Object.freeze({
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.REEMBED_TASK_QUEUE,
      // An API key only travels over TLS, so it switches TLS on unless told otherwise.
      tls: e.TEMPORAL_TLS ?? e.TEMPORAL_API_KEY !== undefined,
      ...(e.TEMPORAL_API_KEY ? { apiKey: e.TEMPORAL_API_KEY } : {}),
      uiUrl: e.TEMPORAL_UI_URL.replace(/\/$/, ''),
    }),
    elasticsearch: Object.freeze({ url: e.ES_URL.join(','), nodes: Object.freeze(e.ES_URL), auth, redIndexWaitMs: e.REEMBED_RED_INDEX_WAIT_MS }),
    modelsDir: e.REEMBED_MODELS_DIR,
    datasetsDir: e.REEMBED_DATASETS_DIR,
    approvers: e.REEMBED_APPROVERS ?? null,
    openai: Object.freeze({
      deployments: [
        deployment('primary', e.OPENAI_BASE_URL, e.OPENAI_API_KEY, e.OPENAI_RPM, e.OPENAI_TPM),
        ...(e.OPENAI_FALLBACK_BASE_URL
          ? [deployment('fallback', e.OPENAI_FALLBACK_BASE_URL, e.OPENAI_FALLBACK_API_KEY ?? e.OPENAI_API_KEY, e.OPENAI_FALLBACK_RPM, e.OPENAI_FALLBACK_TPM)]
          : []),
      ],
      maxInputsPerRequest: e.OPENAI_MAX_INPUTS_PER_REQUEST,
      maxConcurrency: e.OPENAI_MAX_CONCURRENCY,
    }),
    prices: Object.freeze(e.REEMBED_PRICES?.sync ?? {}),
    batchPrices: Object.freeze(e.REEMBED_PRICES?.batch ?? {}),
    batchApi: Object.freeze({
      requestsPerFile: e.REEMBED_BATCH_MAX_REQUESTS_PER_FILE,
      inputsPerBatch: e.REEMBED_BATCH_MAX_INPUTS,
      fileBytes: e.REEMBED_BATCH_MAX_FILE_BYTES,
      enqueuedTokens: e.REEMBED_BATCH_MAX_ENQUEUED_TOKENS,
    }),
    registryCacheMs: e.REEMBED_REGISTRY_CACHE_MS,
    ...(e.REEMBED_TASK_QUEUE_ACTIVITIES_PER_SECOND ? { taskQueueActivitiesPerSecond: e.REEMBED_TASK_QUEUE_ACTIVITIES_PER_SECOND } : {}),
  });
}

function deployment(name: string, baseURL: string, apiKey?: string, rpm?: number, tpm?: number): OpenAIDeployment {
  return Object.freeze({ name, baseURL: baseURL.replace(/\/$/, ''), ...(apiKey ? { apiKey } : {}), ...(rpm ? { rpm } : {}), ...(tpm ? { tpm } : {}) });
}
