import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Matrix, QrDecomposition } from 'ml-matrix';
import { fitAdapter, MIN_PAIRS } from '../../src/adapter/adapter-fit.js';
import { LinearMap } from '../../src/adapter/linear-map.js';
import { dot, unit } from '../../src/embedding/vector-math.js';

/** A deterministic generator, so a failure reproduces. */
function random(seed: number): () => number {
  let s = seed;
  return () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;
}

function pairsThrough(map: Matrix, n: number, noise = 0, seed = 7) {
  const next = random(seed);
  return Array.from({ length: n }, (_, i) => {
    // Unit rows, as the models give them.
    const x = Array.from(unit(Array.from({ length: map.rows }, next)));
    const y = new Matrix([x])
      .mmul(map)
      .getRow(0)
      .map((v) => v + noise * next());
    return { id: `d${i}`, old: x, new: y };
  });
}

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tolerance: number) => {
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) < tolerance, `component ${i}: ${a[i]} vs ${b[i]}`);
};

describe('linear adapters', () => {
  it('Procrustes recovers a rotation exactly, in both directions', () => {
    const next = random(3);
    const rotation = new QrDecomposition(new Matrix(Array.from({ length: 16 }, () => Array.from({ length: 16 }, next)))).orthogonalMatrix;
    const pairs = pairsThrough(rotation, 200);
    const map = LinearMap.fit(
      'procrustes',
      pairs.map((p) => p.old),
      pairs.map((p) => p.new),
    );
    for (const p of pairs.slice(0, 5)) close(map.apply(p.old), unit(p.new), 1e-4);
    const fit = fitAdapter(pairs);
    assert.equal(fit.report.recall.documents, 1);
    assert.equal(fit.report.recall.queries, 1);
  });

  it('a centred fit recovers an offset plus a rotation exactly; a fit through the origin cannot', () => {
    const next = random(5);
    const rotation = new QrDecomposition(new Matrix(Array.from({ length: 16 }, () => Array.from({ length: 16 }, next)))).orthogonalMatrix;
    // Every new vector shares one large component, as real embedding spaces do.
    const offset = Array.from({ length: 16 }, () => 0.8 * next());
    const olds = Array.from({ length: 200 }, () => Array.from(unit(Array.from({ length: 16 }, next))));
    const news = olds.map((x) =>
      new Matrix([x])
        .mmul(rotation)
        .getRow(0)
        .map((v, j) => v + offset[j]!),
    );
    const centred = LinearMap.fit('procrustes', olds, news);
    const origin = LinearMap.fit('procrustes', olds, news, { centre: false });
    for (let i = 0; i < 5; i++) close(centred.apply(olds[i]!), unit(news[i]!), 1e-4);
    const worst = (map: LinearMap) => Math.max(...olds.map((x, i) => 1 - dot(map.apply(x), unit(news[i]!))));
    assert.ok(worst(centred) < 1e-6, `centred: worst 1 − cosine ${worst(centred)}`);
    assert.ok(worst(origin) > 1e-3, `through the origin: worst 1 − cosine ${worst(origin)}`);
    const back = LinearMap.fromJSON(JSON.parse(JSON.stringify(centred.toJSON())));
    assert.deepEqual(back.apply(olds[7]!), centred.apply(olds[7]!));
  });

  it('fitting both directions by Procrustes from one SVD gives the map back that its own fit would', () => {
    const next = random(13);
    const general = new Matrix(Array.from({ length: 12 }, () => Array.from({ length: 20 }, next)));
    const pairs = pairsThrough(general, 300, 0.05);
    const [olds, news] = [pairs.map((p) => p.old), pairs.map((p) => unit(p.new))];
    const both = LinearMap.fitBoth({ oldToNew: 'procrustes', newToOld: 'procrustes' }, olds, news);
    const alone = { oldToNew: LinearMap.fit('procrustes', olds, news), newToOld: LinearMap.fit('procrustes', news, olds) };
    assert.deepEqual([both.newToOld.fromDims, both.newToOld.toDims], [20, 12]);
    close(both.oldToNew.weights, alone.oldToNew.weights, 1e-6);
    close(both.newToOld.weights, alone.newToOld.weights, 1e-6);
    close(both.newToOld.means!.to, alone.newToOld.means!.to, 1e-7);
    // Mixed methods fit each direction on its own.
    const mixed = LinearMap.fitBoth({ oldToNew: 'ridge', newToOld: 'procrustes' }, olds, news);
    assert.deepEqual(mixed.oldToNew.weights, LinearMap.fit('ridge', olds, news).weights);
    assert.deepEqual(mixed.newToOld.weights, alone.newToOld.weights);
  });

  it('between different dimensions, ridge recovers a general linear map and is chosen over Procrustes', () => {
    const next = random(11);
    const general = new Matrix(Array.from({ length: 12 }, () => Array.from({ length: 20 }, next)));
    const fit = fitAdapter(pairsThrough(general, 400, 0.01));
    assert.equal(fit.oldToNew.fromDims, 12);
    assert.equal(fit.oldToNew.toDims, 20);
    assert.equal(fit.newToOld.toDims, 12);
    assert.equal(fit.report.methods.documents, 'ridge');
    assert.ok(fit.report.validation.ridge.documents > fit.report.validation.procrustes.documents);
    assert.ok(fit.report.recall.documents > 0.9, `recall ${fit.report.recall.documents}`);
    assert.equal(fit.report.heldOut + fit.report.trained, 400);
  });

  it('unrelated spaces measure as poor: the gate has something to refuse', () => {
    const a = pairsThrough(Matrix.eye(16), 300, 0, 1);
    const b = pairsThrough(Matrix.eye(16), 300, 0, 2);
    const fit = fitAdapter(a.map((p, i) => ({ id: p.id, old: p.old, new: b[i]!.new })));
    assert.ok(fit.report.recall.documents < 0.3, `recall ${fit.report.recall.documents}`);
  });

  it('refuses to fit from too few documents, saying how many it needs', () => {
    assert.throws(() => fitAdapter(pairsThrough(Matrix.eye(4), MIN_PAIRS - 1)), /at least 100 documents embedded by both specs, found 99/);
  });

  it('round-trips its weights through JSON unchanged', () => {
    const map = LinearMap.fit(
      'ridge',
      pairsThrough(Matrix.eye(6), 50).map((p) => p.old),
      pairsThrough(Matrix.eye(6), 50).map((p) => p.new),
    );
    const back = LinearMap.fromJSON(JSON.parse(JSON.stringify(map.toJSON())));
    assert.deepEqual(back.weights, map.weights);
    assert.throws(() => LinearMap.fromJSON({ ...map.toJSON(), toDims: 7 }), /expected 6×7/);
  });
});
