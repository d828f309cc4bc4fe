import { CholeskyDecomposition, Matrix, SingularValueDecomposition } from 'ml-matrix';
import { float32FromBase64, float32ToBase64 } from '../embedding/float32-base64.js';
import { unit } from '../embedding/vector-math.js';

/**
 * A linear map between two embedding spaces, fitted from documents embedded by both:
 * - orthogonal Procrustes (W = U Vᵀ from the SVD of XᵀY): a rotation, which keeps angles
 *   and so cosine rankings; with different dimensions the semi-orthogonal (padded) form;
 * - ridge least squares (W = (XᵀX + λI)⁻¹ XᵀY): any linear map, shrunk toward zero.
 * Rows are unit-normalised before fitting and the mapped vector after, since every spec
 * here ranks by cosine.
 */
export type MapMethod = 'procrustes' | 'ridge';
export const MAP_METHODS: readonly MapMethod[] = ['procrustes', 'ridge'];

/** λ as a share of the mean eigenvalue of XᵀX (n/d for unit rows): shrinks directions the sample barely covers. */
const RIDGE_SHARE = 0.1;

export class LinearMap {
  constructor(
    readonly method: MapMethod,
    readonly fromDims: number,
    readonly toDims: number,
    /** Row-major fromDims × toDims. */
    readonly weights: Float32Array,
  ) {}

  static fit(method: MapMethod, from: readonly ArrayLike<number>[], to: readonly ArrayLike<number>[]): LinearMap {
    const X = new Matrix(from.map((v) => Array.from(unit(v))));
    const Y = new Matrix(to.map((v) => Array.from(unit(v))));
    const XtY = X.transpose().mmul(Y);
    let W: Matrix;
    if (method === 'procrustes') {
      const svd = new SingularValueDecomposition(XtY, { autoTranspose: true });
      const k = Math.min(X.columns, Y.columns);
      W = svd.leftSingularVectors.subMatrix(0, X.columns - 1, 0, k - 1).mmul(svd.rightSingularVectors.subMatrix(0, Y.columns - 1, 0, k - 1).transpose());
    } else {
      const lambda = (RIDGE_SHARE * X.rows) / X.columns;
      const gram = X.transpose().mmul(X).add(Matrix.eye(X.columns).mul(lambda));
      W = new CholeskyDecomposition(gram).solve(XtY);
    }
    return new LinearMap(method, X.columns, Y.columns, Float32Array.from(W.to1DArray()));
  }

  /** The vector's image in the other space, unit length. */
  apply(vector: ArrayLike<number>): Float32Array {
    const x = unit(vector);
    const out = new Float32Array(this.toDims);
    for (let i = 0; i < this.fromDims; i++) {
      const xi = x[i]!;
      if (xi === 0) continue;
      const row = i * this.toDims;
      for (let j = 0; j < this.toDims; j++) out[j]! += xi * this.weights[row + j]!;
    }
    return unit(out);
  }

  toJSON(): { method: MapMethod; fromDims: number; toDims: number; weights: string } {
    return {
      method: this.method,
      fromDims: this.fromDims,
      toDims: this.toDims,
      weights: float32ToBase64(this.weights),
    };
  }

  static fromJSON(json: ReturnType<LinearMap['toJSON']>): LinearMap {
    const weights = float32FromBase64(json.weights);
    if (weights?.length !== json.fromDims * json.toDims)
      throw new Error(`adapter weights hold ${weights?.length ?? 'no whole'} values, expected ${json.fromDims}×${json.toDims}`);
    return new LinearMap(json.method, json.fromDims, json.toDims, weights);
  }
}
