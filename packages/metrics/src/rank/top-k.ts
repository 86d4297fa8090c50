import { InvalidArgumentError } from '@lmreg/common';

import { sortIndices } from '../internal/sort.js';
import type { NumericInput } from '../types.js';
import { toPair } from '../internal/validate.js';

/** Indices of the k largest values; ties broken in favour of the lower index. */
function topIndices(values: Float64Array, k: number): Uint32Array {
  const order = sortIndices(values.length, (i, j) => (values[i] as number) > (values[j] as number));
  return order.subarray(0, k);
}

/**
 * Precision@k: the share of the k architectures ranked best by `predicted` that are also among the
 * k best by `groundTruth`, i.e. `|top_k(predicted) ∩ top_k(groundTruth)| / k`.
 *
 * Higher is better in both arrays (pass `-loss` for a loss). **Ties:** when several items tie at the
 * k-th place, the one that comes first in the input is taken (a stable sort), so the result is
 * deterministic but, at a tied boundary, depends on input order. NAS-Bench-201 has such ties (two
 * cells share the best CIFAR-10 accuracy 94.37).
 *
 * @param predicted - Score per architecture (e.g. super-net accuracy). NaN refused.
 * @param groundTruth - Stand-alone accuracy per architecture, same length and order.
 * @param k - Integer in [1, n].
 * @returns A multiple of 1/k in [0, 1].
 * @throws InvalidArgumentError on a non-array, NaN, length mismatch, an empty input, or a k that
 *   is not an integer in [1, n].
 */
export function precisionAtK(predicted: NumericInput, groundTruth: NumericInput, k: number): number {
  const fn = 'precisionAtK';
  const [pred, truth] = toPair(fn, ['predicted', 'groundTruth'], predicted, groundTruth, {
    minItems: 1,
    allowInfinite: true,
  });
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 1 || k > pred.length) {
    throw new InvalidArgumentError(`${fn}: k must be an integer between 1 and the number of items (${pred.length}), got ${String(k)}.`);
  }
  const inTruth = new Uint8Array(pred.length);
  for (const i of topIndices(truth, k)) inTruth[i] = 1;
  let hits = 0;
  for (const i of topIndices(pred, k)) hits += inTruth[i] as number;
  return hits / k;
}

/**
 * Ground-truth rank of the architecture that `predicted` ranks best: 1 means the search would pick
 * the truly best architecture.
 *
 * The chosen architecture is the one with the largest `predicted` value (**ties: the first in input
 * order**). Its rank is `1 + (number of architectures with a strictly higher ground truth)`
 * ("competition" ranking), so architectures tied in ground truth share the better rank.
 *
 * @param predicted - Score per architecture, higher = better (pass `-loss` for a loss). NaN refused.
 * @param groundTruth - Stand-alone accuracy per architecture, same length and order.
 * @returns A 1-based rank in [1, n].
 * @throws InvalidArgumentError on a non-array, NaN, length mismatch, or an empty input.
 */
export function bestRank(predicted: NumericInput, groundTruth: NumericInput): number {
  const [pred, truth] = toPair('bestRank', ['predicted', 'groundTruth'], predicted, groundTruth, {
    minItems: 1,
    allowInfinite: true,
  });
  let best = 0;
  for (let i = 1; i < pred.length; i++) if ((pred[i] as number) > (pred[best] as number)) best = i;
  const chosen = truth[best] as number;
  let rank = 1;
  for (let i = 0; i < truth.length; i++) if ((truth[i] as number) > chosen) rank++;
  return rank;
}
