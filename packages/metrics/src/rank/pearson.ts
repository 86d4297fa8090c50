import { averageRanks } from '../internal/sort.js';
import type { NumericInput } from '../types.js';
import { isConstant, toPair } from '../internal/validate.js';

function maxAbs(x: Float64Array): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] as number));
  return m;
}

/** Pearson correlation of validated finite arrays; NaN when either is constant. */
function pearsonUnchecked(x: Float64Array, y: Float64Array): number {
  if (isConstant(x) || isConstant(y)) return Number.NaN;
  const n = x.length;
  // Pearson r is scale-invariant: dividing by max |value| first keeps the sums away from overflow
  // (values near 1e308) and from underflow (subnormal values).
  const scaleX = maxAbs(x);
  const scaleY = maxAbs(y);
  let meanX = 0;
  let meanY = 0;
  for (let i = 0; i < n; i++) {
    meanX += (x[i] as number) / scaleX;
    meanY += (y[i] as number) / scaleY;
  }
  meanX /= n;
  meanY /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = (x[i] as number) / scaleX - meanX;
    const dy = (y[i] as number) / scaleY - meanY;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  const r = sxy / Math.sqrt(sxx * syy);
  return Math.max(-1, Math.min(1, r));
}

/**
 * Pearson (linear) correlation coefficient of two paired samples.
 *
 * @param a - One finite value per item (plain array or Float64Array).
 * @param b - The paired finite values, same length and order as `a`.
 * @returns r in [-1, 1] (clamped against rounding); **NaN when `a` or `b` is constant** (all values
 *   identical), as in SciPy.
 * @throws InvalidArgumentError on a non-array, NaN or ±Infinity, length mismatch, or fewer than 2 items.
 */
export function pearson(a: NumericInput, b: NumericInput): number {
  const [x, y] = toPair('pearson', ['a', 'b'], a, b, { minItems: 2, allowInfinite: false });
  return pearsonUnchecked(x, y);
}

/**
 * Spearman rank correlation: the Pearson correlation of the average ranks of `a` and `b` (tied
 * values share the mean of the ranks they span), as `scipy.stats.spearmanr` computes it.
 *
 * @param a - One value per item (plain array or Float64Array); ±Infinity allowed, NaN not.
 * @param b - The paired values, same length and order as `a`.
 * @returns rho in [-1, 1]; **NaN when `a` or `b` is constant**.
 * @throws InvalidArgumentError on a non-array, NaN, length mismatch, or fewer than 2 items.
 */
export function spearman(a: NumericInput, b: NumericInput): number {
  const [x, y] = toPair('spearman', ['a', 'b'], a, b, { minItems: 2, allowInfinite: true });
  return pearsonUnchecked(averageRanks(x), averageRanks(y));
}
