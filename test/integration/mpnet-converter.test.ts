import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, describe, it } from 'node:test';
import { AutoTokenizer, env } from '@huggingface/transformers';
import { loadConfig } from '../../src/config/env.js';
import { LocalModel } from '../../src/embedding/local-model.js';

const exec = promisify(execFile);
const cache = process.env.REEMBED_CACHE ?? join(homedir(), '.cache', 'reembed');
const python = join(cache, 'venv', 'bin', 'python');
const safetensors = join(cache, 'sources', 'all-mpnet-base-v2', 'model.safetensors');
const converter = new URL('../../scripts/mpnet_onnx.py', import.meta.url).pathname;
const manifest = JSON.parse(readFileSync(new URL('../../models/local-models.json', import.meta.url), 'utf8')) as {
  models: Record<string, { files: Record<string, { sha256: string }> }>;
};
const pinned = manifest.models['all-mpnet-base-v2']!.files['onnx/model.onnx']!.sha256;

/**
 * all-mpnet-base-v2 reaches reembed as safetensors; setup converts it with our own
 * torch-free converter (scripts/mpnet_onnx.py). Its graph must compute what the model
 * computes: the ONNX file, run by onnxruntime through transformers.js, against a plain numpy
 * forward pass of the same weights (float64), on real tokenized text with padding.
 */
describe('the all-mpnet-base-v2 converter', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'reembed-mpnet-'));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it('builds a graph whose output equals a numpy forward pass of the same weights to 1e-5', async () => {
    const texts = ['The economy added millions of jobs last year.', 'Hello world'];
    const { modelsDir } = loadConfig();
    const model = await LocalModel.load('all-mpnet-base-v2', 'fp32', modelsDir);
    const { hidden, mask } = await model.forward(texts, 384);
    env.localModelPath = `${modelsDir}/`;
    const tokenizer = await AutoTokenizer.from_pretrained('all-mpnet-base-v2');
    const encoded = tokenizer(texts, { padding: true, truncation: true, max_length: 384 });
    const toRows = (t: { data: BigInt64Array; dims: number[] }) =>
      Array.from({ length: t.dims[0]! }, (_, i) => Array.from(t.data.slice(i * t.dims[1]!, (i + 1) * t.dims[1]!), Number));
    const ids = { input_ids: toRows(encoded.input_ids as never), attention_mask: toRows(encoded.attention_mask as never) };
    assert.deepEqual(ids.attention_mask, toRows(mask as never), 'the same tokens reach both');
    assert.ok(ids.input_ids[1]!.includes(1), 'the shorter text is padded (pad id 1), so the mask and positions are exercised');
    const file = join(scratch, 'ids.json');
    writeFileSync(file, JSON.stringify(ids));
    const { stdout } = await exec(python, [converter, 'reference', safetensors, file], { maxBuffer: 64 * 1024 * 1024 });
    const reference = (JSON.parse(stdout) as number[][][]).flat(2);
    const onnx = hidden.data as Float32Array;
    const valid = ids.attention_mask.flat();
    let largest = 0;
    for (let i = 0; i < reference.length; i++) {
      if (valid[Math.floor(i / 768)] === 1) largest = Math.max(largest, Math.abs(onnx[i]! - reference[i]!));
    }
    assert.equal(reference.length, onnx.length);
    assert.ok(largest < 1e-5, `largest difference ${largest}`);
  });

  it('writes the same file on every run: its sha256 is the one pinned in models/local-models.json', async () => {
    const out = join(scratch, 'model.onnx');
    await exec(python, [converter, 'convert', safetensors, out]);
    assert.equal(createHash('sha256').update(readFileSync(out)).digest('hex'), pinned);
  });
});
