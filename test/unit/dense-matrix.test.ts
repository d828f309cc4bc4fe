import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CholeskyDecomposition, Matrix } from 'ml-matrix';
import { DenseMatrix } from '../../src/adapter/dense-matrix.js';

/** A seeded generator: the same matrices on every run. */
function randomRows(rows: number, columns: number, seed: number): number[][] {
  let state = seed;
  const next = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5;
  return Array.from({ length: rows }, () => Array.from({ length: columns }, next));
}

/** Bit for bit: the fit's weights must not change with the faster products. */
function assertSameBits(actual: DenseMatrix, expected: Matrix): void {
  assert.deepEqual([actual.rows, actual.columns], [expected.rows, expected.columns]);
  const want = expected.to1DArray();
  const differing = want.findIndex((v, i) => !Object.is(v, actual.data[i]));
  assert.equal(differing, -1, `element ${differing}: ${actual.data[differing]} vs ${want[differing]}`);
}

describe('dense matrix products of an adapter fit', () => {
  const a = randomRows(37, 23, 1);
  const b = randomRows(37, 11, 2);

  it('Aᵀ·B, A·Bᵀ and column means equal ml-matrix to the last bit', () => {
    const [da, db] = [DenseMatrix.fromRows(a), DenseMatrix.fromRows(b)];
    assertSameBits(da.transposeTimes(db), new Matrix(a).transpose().mmul(new Matrix(b)));
    const c = randomRows(19, 23, 3);
    assertSameBits(da.timesTranspose(DenseMatrix.fromRows(c), 23), new Matrix(a).mmul(new Matrix(c).transpose()));
    assertSameBits(da.timesTranspose(DenseMatrix.fromRows(c), 5), new Matrix(a).subMatrix(0, 36, 0, 4).mmul(new Matrix(c).subMatrix(0, 18, 0, 4).transpose()));
    const means = da.columnMeans();
    assert.deepEqual([...means], [...Float32Array.from({ length: 23 }, (_, j) => new Matrix(a).getColumn(j).reduce((s, v) => s + v, 0) / 37)]);
    assertSameBits(da.minusRow(means), new Matrix(a).subRowVector(Array.from(means)));
  });

  it('solves a ridge system as ml-matrix does, and refuses a matrix that is not positive definite', () => {
    const x = DenseMatrix.fromRows(a);
    const gram = x.transposeTimes(x).plusDiagonal(0.5);
    const rhs = x.transposeTimes(DenseMatrix.fromRows(b));
    const reference = new CholeskyDecomposition(new Matrix(a).transpose().mmul(new Matrix(a)).add(Matrix.eye(23).mul(0.5)));
    assertSameBits(gram.choleskyLower(), reference.lowerTriangularMatrix);
    assertSameBits(rhs.solveCholesky(gram.choleskyLower()), reference.solve(new Matrix(a).transpose().mmul(new Matrix(b))));
    // 37 rows in 23 dimensions and a negative diagonal shift: not positive definite.
    assert.throws(() => x.transposeTimes(x).plusDiagonal(-1e3).choleskyLower(), /not positive definite/);
  });
});
