import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BatchRequestFile } from '../../src/activities/batch-request-file.js';
import { renderBatches } from '../../src/cli/render-batches.js';
import { renderEstimate } from '../../src/cli/render-estimate.js';
import { loadConfig } from '../../src/config/env.js';
import { BATCH_API_LIMITS, type BatchApiLimits } from '../../src/embedding/batch-api-limits.js';
import { customId, hashOfCustomId, lineOutcome } from '../../src/embedding/batch-file.js';
import { float32ToBase64 } from '../../src/embedding/float32-base64.js';
import type { OpenAISpec } from '../../src/embedding/openai-provider.js';
import { SpecCatalog } from '../../src/embedding/spec-catalog.js';
import { openAITokenCounter } from '../../src/embedding/token-counter.js';
import { sourceHash } from '../../src/corpus/source-hash.js';
import type { BatchCollection, BatchSubmission } from '../../src/migration/batch-reports.js';
import { migrationInputSchema } from '../../src/migration/input.js';
import { MigrationState } from '../../src/migration/migration-state.js';
import type { Prepared } from '../../src/migration/reports.js';
import type { StoredDocument } from '../../src/store/stored-document.js';

const spec = SpecCatalog.load().get('openai-3-small-256') as OpenAISpec;
const tokenizer = openAITokenCounter();
const doc = (id: string, content?: string): StoredDocument => ({ id, sourceHash: sourceHash(content ?? ''), ...(content !== undefined ? { content } : {}) });
const unlimited = { tokens: Number.MAX_SAFE_INTEGER, by: 'queue' as const };

describe('a Batch API request file', () => {
  it('gives identical texts one line, quarantines documents without text, and names each line by doc id + hash', () => {
    const file = new BatchRequestFile(spec, tokenizer, BATCH_API_LIMITS, unlimited);
    for (const d of [doc('a', 'same text'), doc('b', 'other text'), doc('c', 'same text'), doc('d'), doc('e', '  ')]) assert.equal(file.take(d), null);
    assert.equal(file.lines, 2);
    assert.equal(file.documents, 3);
    assert.equal(file.inputsSaved, 1);
    assert.deepEqual(
      file.quarantined.map((q) => q.docId),
      ['d', 'e'],
    );
    assert.equal(file.last, 'e');
    const lines = file.content
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(lines[0], {
      custom_id: customId('a', sourceHash('same text')),
      method: 'POST',
      url: '/v1/embeddings',
      body: { model: 'text-embedding-3-small', input: 'same text', encoding_format: 'base64', dimensions: 256 },
    });
    assert.equal(file.tokens, tokenizer.count('same text') + tokenizer.count('other text'));
  });

  it('stops at each limit before the document that would pass it', () => {
    const texts = ['one', 'two', 'three', 'four'].map((t, i) => doc(`d${i}`, `${t} words here`));
    const fill = (limits: Partial<BatchApiLimits>, room: { tokens: number; by: 'queue' | 'budget' } = unlimited) => {
      const file = new BatchRequestFile(spec, tokenizer, { ...BATCH_API_LIMITS, ...limits }, room);
      for (const d of texts) {
        const full = file.take(d);
        if (full) return { full, last: file.last, lines: file.lines };
      }
      return { full: null, last: file.last, lines: file.lines };
    };
    assert.deepEqual(fill({ requestsPerFile: 2 }), { full: 'requests', last: 'd1', lines: 2 });
    assert.deepEqual(fill({ inputsPerBatch: 3 }), { full: 'inputs', last: 'd2', lines: 3 });
    const oneLine = new BatchRequestFile(spec, tokenizer, BATCH_API_LIMITS, unlimited);
    oneLine.take(texts[0]!);
    assert.deepEqual(fill({ fileBytes: Buffer.byteLength(oneLine.content) + 10 }), { full: 'bytes', last: 'd0', lines: 1 });
    const perText = tokenizer.count('one words here');
    assert.deepEqual(fill({}, { tokens: perText + 1, by: 'queue' }), { full: 'queue', last: 'd0', lines: 1 });
    assert.deepEqual(fill({}, { tokens: 0, by: 'budget' }), { full: 'budget', last: null, lines: 0 });
    assert.deepEqual(fill({}), { full: null, last: 'd3', lines: 4 });
  });

  it('truncates a text over the model limit to it, and counts it', () => {
    const file = new BatchRequestFile(spec, tokenizer, BATCH_API_LIMITS, unlimited);
    file.take(doc('long', 'word '.repeat(9000)));
    assert.equal(file.truncated, 1);
    assert.equal(file.tokens, spec.maxTokens);
    assert.equal(tokenizer.count(JSON.parse(file.content).body.input), spec.maxTokens);
  });
});

describe('Batch API result lines', () => {
  const vector = Float32Array.from([0.6, 0.8]);
  const response = (status: number, body: unknown) => JSON.stringify({ id: 'r', custom_id: 'doc:1:abc', response: { status_code: status, body }, error: null });
  it('reads a vector and its billed tokens, a 400, another failure and a line the batch never ran', () => {
    const ok = lineOutcome(response(200, { data: [{ embedding: float32ToBase64(vector) }], usage: { prompt_tokens: 7 } }));
    assert.equal(ok.kind, 'vector');
    assert.deepEqual(ok.kind === 'vector' && [...ok.vector], [...vector]);
    assert.equal(ok.kind === 'vector' && ok.tokens, 7);
    assert.equal(hashOfCustomId(ok.customId), 'abc', 'a doc id with ":" keeps its hash apart');
    const invalid = lineOutcome(response(400, { error: { message: 'too long' } }));
    assert.deepEqual(invalid, { kind: 'invalid', customId: 'doc:1:abc', reason: 'the Batch API rejected the input (400: too long)' });
    assert.deepEqual(lineOutcome(response(500, { error: { message: 'oops' } })), { kind: 'failed', customId: 'doc:1:abc', reason: '500: oops' });
    assert.equal(lineOutcome(response(200, { data: [] })).kind, 'failed', 'a malformed reply goes synchronous');
    const expired = JSON.stringify({ id: 'r', custom_id: 'x:h', response: null, error: { code: 'batch_expired', message: 'expired' } });
    assert.deepEqual(lineOutcome(expired), { kind: 'unfinished', customId: 'x:h' });
    assert.throws(() => lineOutcome('{"nothing":1}'), /not one/);
  });
});

describe('the Batch API ledger of a migration', () => {
  const input = migrationInputSchema.parse({ collection: 'c', targetSpecId: 'openai-3-small-256', batchApi: true, budgetUsd: 1 });
  const prepared = (price: number, batchPrice: number): Prepared => ({
    sourceSpecId: 'a',
    sourceIndex: 's',
    targetIndex: 't',
    probeTokens: 0,
    estimate: {
      specId: 't',
      documents: 100,
      tokens: 0,
      truncated: 0,
      withoutText: 0,
      pricePerMillionTokens: price,
      costUsd: 0,
      batch: { pricePerMillionTokens: batchPrice, costUsd: 0, durationBand: '' },
      durationMs: null,
      durationBasis: '',
      disk: { rawVectorBytes: 0, quantizedVectorBytes: 0, graphBytes: 0, otherBytes: 0, totalBytes: 0, usableBytes: 1, availableBytes: 1, fits: true },
    },
  });
  const submission = (id: string, last: string, tokens: number, extra: Partial<BatchSubmission> = {}): BatchSubmission => ({
    batch: { id, chunk: Number(id.slice(1)), range: { after: null, last }, state: 'in_progress', lines: 10, documents: 12, tokens },
    last,
    rangeDone: false,
    quarantined: 0,
    quarantineSample: [],
    truncated: 0,
    inputsSaved: 2,
    ...extra,
  });
  const collection = (extra: Partial<BatchCollection> = {}): BatchCollection => ({
    written: 12,
    quarantined: 0,
    quarantineSample: [],
    batchTokens: 1000,
    syncTokens: 0,
    linesDone: 10,
    linesFailed: 0,
    unfinished: 0,
    changed: 0,
    ...extra,
  });

  it('advances the range past each batch, reserves open batches from the budget and spends at the batch price', () => {
    const state = new MigrationState(input, 'reembed:c');
    state.prepared(prepared(1000, 400));
    const ledger = state.batches;
    assert.deepEqual(ledger.nextRange, { after: null, upTo: null });
    assert.equal(state.tokenAllowance(400), 2500, '$1 at $400 per million');
    ledger.submitted(ledger.nextRange!, submission('b1', 'doc-10', 1000));
    assert.deepEqual(ledger.nextRange, { after: 'doc-10', upTo: null });
    assert.equal(ledger.nextChunk, 2);
    assert.equal(ledger.enqueuedTokens, 1000);
    assert.equal(state.tokenAllowance(400), 1500, 'the open batch is paid for before anything else');
    assert.equal(state.tokenAllowance(), 600, 'and the synchronous allowance shrinks by the same dollars');
    ledger.submitted(ledger.nextRange!, { ...submission('b2', 'doc-20', 500), rangeDone: true });
    assert.equal(ledger.nextRange, undefined);
    assert.equal(ledger.done, false, 'batches still open');
    ledger.polled('b1', { state: 'completed', linesDone: 10, linesFailed: 0 });
    assert.deepEqual(
      ledger.ended.map((b) => b.id),
      ['b1'],
    );
    ledger.collected('b1', collection({ batchTokens: 900 }));
    assert.equal(state.status.spentUsd, (900 * 400) / 1e6);
    assert.equal(state.status.batchTokens, 900);
    assert.equal(state.status.documents.migrated, 12);
    assert.equal(state.status.inputsSaved, 4);
    ledger.polled('b2', { state: 'completed', linesDone: 10, linesFailed: 0 });
    ledger.collected('b2', collection({ batchTokens: 500, syncTokens: 100 }));
    assert.ok(Math.abs(state.status.spentUsd - ((1400 * 400) / 1e6 + (100 * 1000) / 1e6)) < 1e-15, 'failed lines at the synchronous price');
    assert.equal(ledger.done, true);
  });

  it('sends an expired or cancelled batch range back for its unfinished lines, and notes it', () => {
    const state = new MigrationState(input, 'reembed:c');
    state.prepared(prepared(1000, 500));
    const ledger = state.batches;
    ledger.submitted(ledger.nextRange!, { ...submission('b1', 'doc-10', 1000), rangeDone: true });
    ledger.polled('b1', { state: 'expired', linesDone: 5, linesFailed: 0 });
    assert.deepEqual(ledger.open, []);
    ledger.collected('b1', collection({ written: 6, unfinished: 5, batchTokens: 500, linesDone: 5 }));
    assert.deepEqual(ledger.nextRange, { after: null, upTo: 'doc-10' });
    assert.equal(ledger.progress.batches[0]!.note, 'expired: 5 unfinished line(s) submitted again');
    assert.equal(ledger.done, false);
    ledger.submitted(ledger.nextRange!, { ...submission('b2', 'doc-10', 500), rangeDone: true });
    assert.equal(ledger.nextRange, undefined);
  });

  it('closes a range that had nothing left to send, and keeps it when the queue or the budget stopped it', () => {
    const state = new MigrationState(input, 'reembed:c');
    state.prepared(prepared(1000, 500));
    const ledger = state.batches;
    ledger.submitted(ledger.nextRange!, { ...submission('x', 'doc-1', 0), batch: null, last: null, rangeDone: false, stoppedBy: 'queue' });
    assert.deepEqual(ledger.nextRange, { after: null, upTo: null });
    ledger.submitted(ledger.nextRange!, {
      ...submission('x', 'doc-9', 0),
      batch: null,
      rangeDone: true,
      quarantined: 2,
      quarantineSample: [{ id: 'q', reason: 'r' }],
    });
    assert.equal(ledger.nextRange, undefined);
    assert.equal(state.status.documents.quarantined, 2);
    assert.equal(ledger.done, true);
  });
});

describe('the batches in reembed status', () => {
  it('lists each batch with its state, lines, tokens and cost, and the inputs saved', () => {
    const batch = (i: number, state: 'collected' | 'in_progress') => ({
      id: `batch_${i}`,
      chunk: i,
      range: { after: null, last: 'x' },
      state,
      lines: 10,
      documents: 12,
      linesDone: state === 'collected' ? 10 : 0,
      linesFailed: 0,
      tokens: 1000,
      costUsd: 0.5,
      submittedAt: '',
    });
    const lines = renderBatches({ batches: [batch(1, 'collected'), batch(2, 'in_progress')], inputsSaved: 4 });
    assert.deepEqual(lines, [
      '  batches:      2 through the Batch API, 1 not yet written; $1.0000',
      '                batch_1 #1 collected: 10/10 line(s) done, 0 failed, 12 document(s), 1000 tokens, $0.5000',
      '                batch_2 #2 in_progress: 0/10 line(s) done, 0 failed, 12 document(s), 1000 tokens, $0.5000',
      '  inputs saved: 4 document(s) shared an embedding input with another of the same text',
    ]);
    const many = renderBatches({ batches: Array.from({ length: 10 }, (_, i) => batch(i + 1, 'collected')), inputsSaved: 0 });
    assert.equal(many[1], '                (2 earlier batch(es): reembed status --json)');
    assert.equal(many.length, 2 + 8);
    assert.deepEqual(renderBatches({ batches: [], inputsSaved: 0 }), []);
  });
});

describe('the dry run', () => {
  it('prints the Batch API price and duration band beside the synchronous cost', () => {
    const disk = { rawVectorBytes: 0, quantizedVectorBytes: 0, graphBytes: 0, otherBytes: 0, totalBytes: 0, usableBytes: 1, availableBytes: 1, fits: true };
    const base = {
      specId: 'openai-3-small-256',
      documents: 10,
      tokens: 1_000_000,
      truncated: 0,
      withoutText: 0,
      pricePerMillionTokens: 0.02,
      costUsd: 0.02,
      durationMs: null,
      durationBasis: 'x',
      disk,
    };
    const text = renderEstimate({ ...base, batch: { pricePerMillionTokens: 0.01, costUsd: 0.01, durationBand: 'minutes to 24 hours per batch' } });
    assert.match(text, /cost: +\$0\.0200 at \$0\.02 per million tokens/);
    assert.match(text, /--batch-api: +\$0\.0100 at \$0\.01 per million tokens through the OpenAI Batch API\n +duration: minutes to 24 hours per batch/);
    assert.doesNotMatch(renderEstimate(base), /batch-api/);
  });
});

describe('REEMBED_PRICES', () => {
  it('takes a synchronous price and an optional Batch API price per spec', () => {
    const config = loadConfig({ REEMBED_PRICES: 'openai-3-small-256=0.02/0.01, openai-3-large=0.13' });
    assert.deepEqual(config.prices, { 'openai-3-small-256': 0.02, 'openai-3-large': 0.13 });
    assert.deepEqual(config.batchPrices, { 'openai-3-small-256': 0.01 });
    assert.throws(
      () => loadConfig({ REEMBED_PRICES: 'openai-3-small-256=0.02/cheap' }),
      /REEMBED_PRICES=.*expected <spec>=<dollars per million tokens>\[\/<batch price>\]/,
    );
    assert.throws(() => loadConfig({ REEMBED_BATCH_MAX_INPUTS: '60000' }), /REEMBED_BATCH_MAX_INPUTS=.*at most 50,000 inputs per batch/);
  });
});
