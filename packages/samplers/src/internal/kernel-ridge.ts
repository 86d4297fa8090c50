/**
 * Kernel ridge regression on integer encodings with a kernel that depends only on the number of
 * positions two encodings share. Dual form, so fitting costs O(n^3) in the number of training
 * points (about 100 in a tabular search) whatever the number of implicit features.
 */

/** A kernel as a function of the number of equal positions `m` out of `length`. */
export type MatchKernel = (matches: number, length: number) => number;

/**
 * `(1 + m / L)^2`: ridge regression on one-hot features of every position plus one-hot features
 * of every pair of positions (first- and second-order op interactions).
 */
export const quadraticMatchKernel: MatchKernel = (m, length) => {
  const s = 1 + m / length;
  return s * s;
};

function matches(a: readonly number[], b: readonly number[]): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) m++;
  return m;
}

/** A fitted model: predicted value of an encoding. */
export type Predictor = (x: readonly number[]) => number;

/**
 * Fits kernel ridge regression `min ||y - K a||^2 + lambda a^T K a` on standardised targets and
 * returns the predictor (in the targets' units). `xs` must be non-empty and of equal lengths.
 */
export function fitKernelRidge(xs: readonly (readonly number[])[], ys: readonly number[], kernel: MatchKernel, lambda: number): Predictor {
  const n = xs.length;
  const length = xs[0]?.length ?? 0;
  let mean = 0;
  for (const y of ys) mean += y;
  mean /= n;
  let variance = 0;
  for (const y of ys) variance += (y - mean) ** 2;
  const scale = Math.sqrt(variance / n) || 1;
  const k = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const v = kernel(matches(xs[i] as number[], xs[j] as number[]), length);
      k[i * n + j] = v;
      k[j * n + i] = v;
    }
    k[i * n + i] = (k[i * n + i] as number) + lambda;
  }
  const alpha = choleskySolve(
    k,
    n,
    ys.map((y) => (y - mean) / scale),
  );
  return (x) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += (alpha[i] as number) * kernel(matches(x, xs[i] as number[]), length);
    return mean + scale * s;
  };
}

/** Solves `A x = b` for a symmetric positive definite `A` (row-major n x n, overwritten). */
function choleskySolve(a: Float64Array, n: number, b: readonly number[]): Float64Array {
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j] as number;
    for (let k = 0; k < j; k++) d -= (a[j * n + k] as number) ** 2;
    const l = Math.sqrt(Math.max(d, 1e-12));
    a[j * n + j] = l;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j] as number;
      for (let k = 0; k < j; k++) s -= (a[i * n + k] as number) * (a[j * n + k] as number);
      a[i * n + j] = s / l;
    }
  }
  const x = Float64Array.from(b);
  for (let i = 0; i < n; i++) {
    let s = x[i] as number;
    for (let k = 0; k < i; k++) s -= (a[i * n + k] as number) * (x[k] as number);
    x[i] = s / (a[i * n + i] as number);
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = x[i] as number;
    for (let k = i + 1; k < n; k++) s -= (a[k * n + i] as number) * (x[k] as number);
    x[i] = s / (a[i * n + i] as number);
  }
  return x;
}
