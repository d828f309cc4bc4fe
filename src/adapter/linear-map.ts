import { SingularValueDecomposition } from 'ml-matrix';
import { DenseMatrix } from './dense-matrix.js';
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

interface Sides {
  readonly X: DenseMatrix;
  readonly Y: DenseMatrix;
  readonly means: { readonly from: Float32Array; readonly to: Float32Array } | null;
}

function centred(from: readonly ArrayLike<number>[], to: readonly ArrayLike<number>[], options: FitOptions): Sides {
  const [X, Y] = [DenseMatrix.fromRows(from), DenseMatrix.fromRows(to)];
  if (options.centre === false) return { X, Y, means: null };
  const means = { from: X.columnMeans(), to: Y.columnMeans() };
  return { X: X.minusRow(means.from), Y: Y.minusRow(means.to), means };
}

/** W = U Vᵀ from the SVD of XᵀY. */
function procrustes({ X, Y }: Sides): DenseMatrix {
  const svd = new SingularValueDecomposition(X.transposeTimes(Y).toMatrix(), { autoTranspose: true });
  return DenseMatrix.fromMatrix(svd.leftSingularVectors).timesTranspose(DenseMatrix.fromMatrix(svd.rightSingularVectors), Math.min(X.columns, Y.columns));
}

/** W = (XᵀX + λI)⁻¹ XᵀY. */
function ridge({ X, Y }: Sides): DenseMatrix {
  const lambda = (RIDGE_SHARE * X.rows) / X.columns;
  return X.transposeTimes(Y).solveCholesky(X.transposeTimes(X).plusDiagonal(lambda).choleskyLower());
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
    const sides = centred(
      from.map((v) => unit(v)),
      to,
      options,
    );
    const W = method === 'procrustes' ? procrustes(sides) : ridge(sides);
    return new LinearMap(method, sides.X.columns, sides.Y.columns, Float32Array.from(W.data), sides.means);
  }

  /**
   * Both directions. When both are Procrustes, one SVD serves both: the SVD of YᵀX = (XᵀY)ᵀ
   * swaps U and V, so the map back is the transpose of the map there (the SVD is most of a
   * fit's time). Both sides are then unit rows, as each direction's input is.
   */
  static fitBoth(
    methods: { readonly oldToNew: MapMethod; readonly newToOld: MapMethod },
    olds: readonly ArrayLike<number>[],
    news: readonly ArrayLike<number>[],
    options: FitOptions = {},
  ): { oldToNew: LinearMap; newToOld: LinearMap } {
    if (methods.oldToNew !== 'procrustes' || methods.newToOld !== 'procrustes') {
      return { oldToNew: LinearMap.fit(methods.oldToNew, olds, news, options), newToOld: LinearMap.fit(methods.newToOld, news, olds, options) };
    }
    const sides = centred(
      olds.map((v) => unit(v)),
      news.map((v) => unit(v)),
      options,
    );
    const W = procrustes(sides);
    const [from, to] = [sides.X.columns, sides.Y.columns];
    return {
      oldToNew: new LinearMap('procrustes', from, to, Float32Array.from(W.data), sides.means),
      newToOld: new LinearMap('procrustes', to, from, Float32Array.from(W.transpose().data), sides.means && { from: sides.means.to, to: sides.means.from }),
    };
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
