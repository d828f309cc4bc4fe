import { CholeskyDecomposition, Matrix, SingularValueDecomposition } from 'ml-matrix';
import { float32FromBase64, float32ToBase64 } from '../embedding/float32-base64.js';
import { unit } from '../embedding/vector-math.js';

/**
 * A linear map between two embedding spaces, fitted from documents embedded by both:
 * - orthogonal Procrustes (W = U Vᵀ from the SVD of XᵀY): a rotation, which keeps angles
 *   and so cosine rankings; with different dimensions the semi-orthogonal (padded) form;
 * - ridge least squares (W = (XᵀX + λI)⁻¹ XᵀY): any linear map, shrunk toward zero.
 * Both sides are mean-centred before the fit and the target mean added back after mapping:
 * embedding spaces are anisotropic (every vector shares a large common component), and a
 * rotation fitted through the origin spends itself aligning those offsets instead of the
 * directions that rank documents. Input rows are unit-normalised, as `apply` normalises its
 * input; the mapped vector is normalised after, since every spec here ranks by cosine.
 */
export type MapMethod = 'procrustes' | 'ridge';
export const MAP_METHODS: readonly MapMethod[] = ['procrustes', 'ridge'];

/** λ as a share of the mean eigenvalue of XᵀX (n/d for unit rows): shrinks directions the sample barely covers. */
const RIDGE_SHARE = 0.1;

export interface FitOptions {
  /** Mean-centre both sides (the default); false fits through the origin, as maps stored before centring did. */
  readonly centre?: boolean;
}

function columnMeans(m: Matrix): Float32Array {
  const means = new Float32Array(m.columns);
  for (let j = 0; j < m.columns; j++) means[j] = m.getColumn(j).reduce((a, b) => a + b, 0) / m.rows;
  return means;
}

function minus(m: Matrix, means: Float32Array): Matrix {
  return m.clone().subRowVector(Array.from(means));
}

export class LinearMap {
  constructor(
    readonly method: MapMethod,
    readonly fromDims: number,
    readonly toDims: number,
    /** Row-major fromDims × toDims. */
    readonly weights: Float32Array,
    /** The means subtracted before and added after the map; null for a map through the origin. */
    readonly means: { readonly from: Float32Array; readonly to: Float32Array } | null = null,
  ) {}

  static fit(method: MapMethod, from: readonly ArrayLike<number>[], to: readonly ArrayLike<number>[], options: FitOptions = {}): LinearMap {
    const rawX = new Matrix(from.map((v) => Array.from(unit(v))));
    const rawY = new Matrix(to.map((v) => Array.from(v)));
    const means = options.centre === false ? null : { from: columnMeans(rawX), to: columnMeans(rawY) };
    const X = means ? minus(rawX, means.from) : rawX;
    const Y = means ? minus(rawY, means.to) : rawY;
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
    return new LinearMap(method, X.columns, Y.columns, Float32Array.from(W.to1DArray()), means);
  }

  /** The vector's image in the other space, unit length. */
  apply(vector: ArrayLike<number>): Float32Array {
    const x = unit(vector);
    const out = this.means ? Float32Array.from(this.means.to) : new Float32Array(this.toDims);
    for (let i = 0; i < this.fromDims; i++) {
      const xi = x[i]! - (this.means?.from[i] ?? 0);
      if (xi === 0) continue;
      const row = i * this.toDims;
      for (let j = 0; j < this.toDims; j++) out[j]! += xi * this.weights[row + j]!;
    }
    return unit(out);
  }

  toJSON(): { method: MapMethod; fromDims: number; toDims: number; weights: string; fromMean?: string; toMean?: string } {
    return {
      method: this.method,
      fromDims: this.fromDims,
      toDims: this.toDims,
      weights: float32ToBase64(this.weights),
      ...(this.means ? { fromMean: float32ToBase64(this.means.from), toMean: float32ToBase64(this.means.to) } : {}),
    };
  }

  static fromJSON(json: ReturnType<LinearMap['toJSON']>): LinearMap {
    const weights = float32FromBase64(json.weights);
    if (weights?.length !== json.fromDims * json.toDims)
      throw new Error(`adapter weights hold ${weights?.length ?? 'no whole'} values, expected ${json.fromDims}×${json.toDims}`);
    if (json.fromMean === undefined || json.toMean === undefined) return new LinearMap(json.method, json.fromDims, json.toDims, weights);
    const from = float32FromBase64(json.fromMean);
    const to = float32FromBase64(json.toMean);
    if (from?.length !== json.fromDims || to?.length !== json.toDims)
      throw new Error(`adapter means hold ${from?.length ?? 'no whole'} and ${to?.length ?? 'no whole'} values, expected ${json.fromDims} and ${json.toDims}`);
    return new LinearMap(json.method, json.fromDims, json.toDims, weights, { from, to });
  }
}
