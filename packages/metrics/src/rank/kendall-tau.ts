import { tauBUnchecked } from '../internal/tau-b.js';
import type { NumericInput } from '../types.js';
import { toPair } from '../internal/validate.js';

/**
 * Kendall rank correlation tau-b between two paired samples, with ties handled as in
 * `scipy.stats.kendalltau` (variant 'b'):
 * `(C - D) / sqrt((C + D + T_a) * (C + D + T_b))`, where `C` / `D` count concordant / discordant
 * pairs and `T_a` / `T_b` count pairs tied only in `a` / only in `b`.
 *
 * Runs in O(n log n) (Knight's algorithm with a merge sort), so all 15,625 NAS-Bench-201
 * architectures take a few milliseconds.
 *
 * @param a - One value per item (e.g. super-net accuracy per architecture). Plain array or
 *   Float64Array; ±Infinity is allowed (only the order matters), NaN is not.
 * @param b - The paired values (e.g. stand-alone accuracy), same length and order as `a`.
 * @returns tau-b in [-1, 1]; **NaN when `a` or `b` is constant** (tau-b is 0 / 0 there; this matches
 *   SciPy and lets a training loop log the value of a collapsed super-net without crashing).
 * @throws InvalidArgumentError if an argument is not an array of numbers, contains NaN, the lengths
 *   differ, or there are fewer than 2 items.
 */
export function kendallTau(a: NumericInput, b: NumericInput): number {
  const [x, y] = toPair('kendallTau', ['a', 'b'], a, b, { minItems: 2, allowInfinite: true });
  return tauBUnchecked(x, y);
}
