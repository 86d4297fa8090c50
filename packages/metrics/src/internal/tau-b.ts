import { sortCountingInversions, sortIndices, tiedPairsInSorted } from './sort.js';

/**
 * Kendall tau-b of two validated, equally long arrays (n >= 2) by Knight's O(n log n) algorithm:
 * sort the pairs by (x, y), count x ties and joint ties, then count the discordant pairs as the
 * inversions a merge sort of y (in that order) performs. NaN when either side is constant.
 */
export function tauBUnchecked(x: Float64Array, y: Float64Array): number {
  const n = x.length;
  const order = sortIndices(n, (i, j) => {
    const xi = x[i] as number;
    const xj = x[j] as number;
    return xi < xj || (xi === xj && (y[i] as number) < (y[j] as number));
  });

  let tiesX = 0;
  let tiesXY = 0;
  let runX = 1;
  let runXY = 1;
  const ys = new Float64Array(n);
  ys[0] = y[order[0] as number] as number;
  for (let k = 1; k < n; k++) {
    const i = order[k] as number;
    const p = order[k - 1] as number;
    ys[k] = y[i] as number;
    if (x[i] === x[p]) {
      runX++;
      if (y[i] === y[p]) {
        runXY++;
      } else {
        tiesXY += (runXY * (runXY - 1)) / 2;
        runXY = 1;
      }
    } else {
      tiesX += (runX * (runX - 1)) / 2;
      tiesXY += (runXY * (runXY - 1)) / 2;
      runX = 1;
      runXY = 1;
    }
  }
  tiesX += (runX * (runX - 1)) / 2;
  tiesXY += (runXY * (runXY - 1)) / 2;

  const discordant = sortCountingInversions(ys);
  const tiesY = tiedPairsInSorted(ys);

  const total = (n * (n - 1)) / 2;
  const pairsX = total - tiesX;
  const pairsY = total - tiesY;
  if (pairsX === 0 || pairsY === 0) return Number.NaN;
  // concordant - discordant = (total - tiesX - tiesY + tiesXY) - 2 * discordant
  const score = total - tiesX - tiesY + tiesXY - 2 * discordant;
  const tau = score / Math.sqrt(pairsX * pairsY);
  // Clamp rounding overshoot; `+ 0` turns a -0 into 0.
  return Math.max(-1, Math.min(1, tau)) + 0;
}
