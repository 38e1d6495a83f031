// Small dense linear algebra on row-major number[][] matrices: a cyclic Jacobi
// eigensolver for symmetric matrices, and Cholesky with adaptive jitter.

export interface SymmetricEigen {
  /** Eigenvalues (ascending). */
  values: number[];
  /** Eigenvectors as columns: vectors[i][k] is component i of eigenvector k. */
  vectors: number[][];
}

/** Eigendecomposition of a symmetric matrix by the cyclic Jacobi method (rotations until
 *  the off-diagonal mass is negligible). Input is not modified. O(n^3) per sweep; a few
 *  sweeps suffice; accurate to working precision, including small eigenvalues. */
export function symmetricEigen(matrix: number[][]): SymmetricEigen {
  const n = matrix.length;
  const a = matrix.map((row) => row.slice());
  const v: number[][] = Array.from({ length: n }, (_, i) => {
    const r = new Array<number>(n).fill(0);
    r[i] = 1;
    return r;
  });
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let diag = 0;
    for (let i = 0; i < n; i++) {
      diag += a[i][i] * a[i][i];
      for (let j = i + 1; j < n; j++) off += a[i][j] * a[i][j];
    }
    if (off === 0 || off <= 1e-30 * diag) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p][q];
        if (apq === 0) continue;
        const app = a[p][p];
        const aqq = a[q][q];
        // Skip rotations that cannot change the diagonal in floating point.
        if (sweep > 3 && Math.abs(apq) < 1e-300) {
          a[p][q] = a[q][p] = 0;
          continue;
        }
        const theta = (aqq - app) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        const tau = s / (1 + c);
        a[p][p] = app - t * apq;
        a[q][q] = aqq + t * apq;
        a[p][q] = a[q][p] = 0;
        for (let r = 0; r < n; r++) {
          if (r !== p && r !== q) {
            const arp = a[r][p];
            const arq = a[r][q];
            a[r][p] = a[p][r] = arp - s * (arq + tau * arp);
            a[r][q] = a[q][r] = arq + s * (arp - tau * arq);
          }
          const vrp = v[r][p];
          const vrq = v[r][q];
          v[r][p] = vrp - s * (vrq + tau * vrp);
          v[r][q] = vrq + s * (vrp - tau * vrq);
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => a[x][x] - a[y][y] || x - y);
  return {
    values: order.map((k) => a[k][k]),
    vectors: v.map((row) => order.map((k) => row[k])),
  };
}

export interface CholeskyResult {
  /** Lower-triangular factor (row-major, upper part zero). */
  L: number[][];
  /** Jitter added to the diagonal to make the factorisation succeed. */
  jitter: number;
}

/** Cholesky factorisation of a symmetric positive (semi)definite matrix. If it fails,
 *  retries with jitter = 1e-10·mean(diag), ×10 each time, up to 1e-2·mean(diag).
 *  Returns null if it still fails. */
export function choleskyWithJitter(a: number[][]): CholeskyResult | null {
  const n = a.length;
  let meanDiag = 0;
  for (let i = 0; i < n; i++) meanDiag += a[i][i];
  meanDiag = n > 0 ? Math.abs(meanDiag / n) || 1 : 1;
  let jitter = 0;
  for (let attempt = 0; attempt < 10; attempt++) {
    const L = cholesky(a, jitter);
    if (L !== null) return { L, jitter };
    jitter = jitter === 0 ? 1e-10 * meanDiag : jitter * 10;
    if (jitter > 1e-2 * meanDiag) break;
  }
  return null;
}

/** Plain Cholesky of a + jitter·I; null if not positive definite. */
export function cholesky(a: number[][], jitter = 0): number[][] | null {
  const n = a.length;
  const L: number[][] = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let j = 0; j < n; j++) {
    const Lj = L[j];
    let d = a[j][j] + jitter;
    for (let k = 0; k < j; k++) d -= Lj[k] * Lj[k];
    if (!(d > 0) || !Number.isFinite(d)) return null;
    const ljj = Math.sqrt(d);
    Lj[j] = ljj;
    for (let i = j + 1; i < n; i++) {
      const Li = L[i];
      let s = a[i][j];
      for (let k = 0; k < j; k++) s -= Li[k] * Lj[k];
      Li[j] = s / ljj;
    }
  }
  return L;
}

/** Solve L y = b (L lower triangular). */
export function solveLower(L: number[][], b: ArrayLike<number>): number[] {
  const n = L.length;
  const y = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const Li = L[i];
    let s = b[i];
    for (let k = 0; k < i; k++) s -= Li[k] * y[k];
    y[i] = s / Li[i];
  }
  return y;
}

/** Solve Lᵀ x = y (L lower triangular). */
export function solveUpperT(L: number[][], y: ArrayLike<number>): number[] {
  const n = L.length;
  const x = new Array<number>(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < n; k++) s -= L[k][i] * x[k];
    x[i] = s / L[i][i];
  }
  return x;
}

/** Solve (L Lᵀ) x = b. */
export function choleskySolve(L: number[][], b: ArrayLike<number>): number[] {
  return solveUpperT(L, solveLower(L, b));
}
