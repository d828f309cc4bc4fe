import { Matrix } from 'ml-matrix';

/**
 * A row-major matrix of doubles and the products an adapter fit needs. ml-matrix reads and
 * writes every element through an accessor, which made these products most of a fit's time
 * (a 2,000 × 384 sample against 768 dimensions took tens of seconds). Each sum runs in the
 * order ml-matrix runs it, so a fit's weights are the same to the last bit; ml-matrix still
 * does the SVD.
 */
export class DenseMatrix {
  constructor(
    readonly rows: number,
    readonly columns: number,
    readonly data: Float64Array = new Float64Array(rows * columns),
  ) {}

  static fromRows(rows: readonly ArrayLike<number>[]): DenseMatrix {
    const columns = rows[0]?.length ?? 0;
    const m = new DenseMatrix(rows.length, columns);
    rows.forEach((row, r) => m.data.set(row, r * columns));
    return m;
  }

  static fromMatrix(m: Matrix): DenseMatrix {
    return new DenseMatrix(m.rows, m.columns, Float64Array.from(m.to1DArray()));
  }

  toMatrix(): Matrix {
    return Matrix.from1DArray(this.rows, this.columns, this.data);
  }

  columnMeans(): Float32Array {
    const sums = new Float64Array(this.columns);
    for (let r = 0; r < this.rows; r++) {
      const row = r * this.columns;
      for (let j = 0; j < this.columns; j++) sums[j]! += this.data[row + j]!;
    }
    return Float32Array.from(sums, (sum) => sum / this.rows);
  }

  /** Each row less `means`. */
  minusRow(means: ArrayLike<number>): DenseMatrix {
    const out = new DenseMatrix(this.rows, this.columns, Float64Array.from(this.data));
    for (let r = 0; r < this.rows; r++) {
      const row = r * this.columns;
      for (let j = 0; j < this.columns; j++) out.data[row + j]! -= means[j]!;
    }
    return out;
  }

  /** thisᵀ · other, accumulated row by row of both. */
  transposeTimes(other: DenseMatrix): DenseMatrix {
    const out = new DenseMatrix(this.columns, other.columns);
    for (let r = 0; r < this.rows; r++) {
      const left = r * this.columns;
      const right = r * other.columns;
      for (let i = 0; i < this.columns; i++) {
        const x = this.data[left + i]!;
        const row = i * other.columns;
        for (let j = 0; j < other.columns; j++) out.data[row + j]! += x * other.data[right + j]!;
      }
    }
    return out;
  }

  /** this · otherᵀ for the first `k` columns of both. */
  timesTranspose(other: DenseMatrix, k: number): DenseMatrix {
    const out = new DenseMatrix(this.rows, other.rows);
    for (let i = 0; i < this.rows; i++) {
      const left = i * this.columns;
      for (let j = 0; j < other.rows; j++) {
        const right = j * other.columns;
        let s = 0;
        for (let c = 0; c < k; c++) s += this.data[left + c]! * other.data[right + c]!;
        out.data[i * other.rows + j] = s;
      }
    }
    return out;
  }

  transpose(): DenseMatrix {
    const out = new DenseMatrix(this.columns, this.rows);
    for (let r = 0; r < this.rows; r++) for (let c = 0; c < this.columns; c++) out.data[c * this.rows + r] = this.data[r * this.columns + c]!;
    return out;
  }

  plusDiagonal(value: number): DenseMatrix {
    const out = new DenseMatrix(this.rows, this.columns, Float64Array.from(this.data));
    for (let i = 0; i < Math.min(this.rows, this.columns); i++) out.data[i * this.columns + i]! += value;
    return out;
  }

  /** L, lower triangular, with L Lᵀ = this (symmetric positive definite). */
  choleskyLower(): DenseMatrix {
    const n = this.rows;
    const a = this.data;
    const l = new Float64Array(n * n);
    for (let j = 0; j < n; j++) {
      let d = 0;
      for (let k = 0; k < j; k++) {
        let s = 0;
        for (let i = 0; i < k; i++) s += l[k * n + i]! * l[j * n + i]!;
        s = (a[j * n + k]! - s) / l[k * n + k]!;
        l[j * n + k] = s;
        d = d + s * s;
      }
      d = a[j * n + j]! - d;
      if (!(d > 0)) throw new Error('the matrix is not positive definite: its Cholesky factor does not exist');
      l[j * n + j] = Math.sqrt(d);
    }
    return new DenseMatrix(n, n, l);
  }

  /** X with (L Lᵀ) X = this, by forward then backward substitution. */
  solveCholesky(lower: DenseMatrix): DenseMatrix {
    const n = lower.rows;
    const count = this.columns;
    const b = new DenseMatrix(this.rows, count, Float64Array.from(this.data));
    const l = lower.data;
    const substitute = (k: number, i: number, factor: number) => {
      for (let j = 0; j < count; j++) b.data[k * count + j]! -= b.data[i * count + j]! * factor;
    };
    const divide = (k: number) => {
      for (let j = 0; j < count; j++) b.data[k * count + j]! /= l[k * n + k]!;
    };
    for (let k = 0; k < n; k++) {
      for (let i = 0; i < k; i++) substitute(k, i, l[k * n + i]!);
      divide(k);
    }
    for (let k = n - 1; k >= 0; k--) {
      for (let i = k + 1; i < n; i++) substitute(k, i, l[i * n + k]!);
      divide(k);
    }
    return b;
  }
}
