import { InvalidArgumentError } from '@lmreg/common';
import { DARTS_OPS, type DartsLikeGenotype } from '@lmreg/spaces';
import * as tf from '@tensorflow/tfjs-core';

import { dartsPass, type PairHook } from './darts-forward.js';
import type { DartsNetwork } from './darts-network.js';
import { superArchSpec } from './darts-plan.js';

/** Pairs per cell of the DARTS space (4 nodes x 2). */
const PAIRS = 8;

/**
 * Length of `weights[i]` for each of the 32 encoding positions of the `darts` space: per cell
 * (normal, then reduce) and pair `q`, the op (8 candidates, `DARTS_OPS` order) then the input
 * (`floor(q / 2) + 2` candidates). Same as the space's `encodingBounds`.
 */
export const DARTS_WEIGHT_LENGTHS: readonly number[] = Object.freeze(
  [0, 1].flatMap(() => Array.from({ length: PAIRS }, (_, q) => [DARTS_OPS.length, Math.floor(q / 2) + 2]).flat()),
);

/** `sum_{k != chosen} w[k]` as a scalar (a mask, not a gather: no `UnsortedSegmentSum` in the gradient). */
function othersSum(w: tf.Tensor1D, chosen: number): tf.Scalar {
  const mask = tf.tensor1d(Array.from({ length: w.shape[0] }, (_, k) => (k === chosen ? 0 : 1)));
  return tf.sum(tf.mul(w, mask));
}

/**
 * GDAS's weighted forward of a discrete DARTS genotype on the DARTS super-net, with the
 * super-net's own variables and ops (the same pass as `DartsNetwork.forward`; nothing is copied
 * or trained here).
 *
 * `weights` follows the `darts` space's encoding: 32 vectors, per cell (normal, then reduce) and
 * per pair `q` in genotype order, `weights[i]` over the 8 ops (`DARTS_OPS` order) then
 * `weights[i + 1]` over the `floor(q / 2) + 2` inputs of the pair's node. A pair `(op, input)`
 * feeds its node, in every cell of its kind,
 *
 * `wOp[op] * wIn[input] * op(state_input) + sum_{k != op} wOp[k] + sum_{j != input} wIn[j]`
 *
 * i.e. GDAS's straight-through `sum(h_k * op_k(x) if k == chosen else h_k)` applied to both of the
 * pair's choices: the chosen op's output is scaled by the product of the two chosen weights, and
 * every candidate not chosen (another op, another input) adds its weight as a scalar broadcast over
 * the output. With GDAS's straight-through weights (exactly one-hot values) both extra sums are 0
 * and the product is 1, so the logits are `supernet.forward(arch)`'s; the gradient of a chosen
 * entry is the inner product of the pair's output with the loss gradient there, and that of an
 * entry not chosen is the sum of the loss gradient over the output, as in GDAS's cell. (Nesting
 * the two choices instead, `wOp[op] * (wIn[input] * out + sum wIn) + sum wOp`, gives the same
 * values and, at one-hot weights, the same gradients.) A chosen `none` outputs zeros, so its two
 * chosen entries get no gradient; the entries not chosen still do. All 8 pairs of a cell reach the
 * cell's output (the concat is `[2, 3, 4, 5]`), but a whole cell can be cut off the logits: with no
 * cell of a kind (fewer than 3 layers have no normal cell), or when the normal genotype never reads
 * its previous cell (then, at 5 layers, neither reduction cell reaches the logits). Every weight is
 * therefore also added to the logits times 0, so that such gradients are exactly 0 instead of
 * missing (tfjs refuses to differentiate with respect to a tensor the result does not depend on;
 * PyTorch leaves them `None`).
 *
 * @param supernet the DARTS super-net (`createDartsSupernet`), not a stand-alone network.
 * @param arch a genotype of the `darts` space (the one GDAS sampled, i.e. the argmax of `weights`).
 * @param weights 32 rank-1 tensors as above; not disposed.
 * @param x NHWC images `[batch, h, w, inputChannels]`, h and w divisible by 4; not disposed.
 * @returns logits `[batch, classes]`, owned by the caller.
 */
export function dartsWeightedForward(supernet: DartsNetwork, arch: DartsLikeGenotype, weights: readonly tf.Tensor1D[], x: tf.Tensor4D): tf.Tensor2D {
  if (supernet.fixedArch !== undefined)
    throw new InvalidArgumentError('dartsWeightedForward runs on the DARTS super-net (createDartsSupernet), not a stand-alone network.');
  const spec = superArchSpec(arch);
  const shapes = DARTS_WEIGHT_LENGTHS;
  if (
    !Array.isArray(weights) ||
    weights.length !== shapes.length ||
    weights.some((w, i) => !(w instanceof tf.Tensor) || w.rank !== 1 || w.shape[0] !== shapes[i])
  ) {
    throw new InvalidArgumentError(
      `dartsWeightedForward needs ${shapes.length} weight vectors (one per position of the darts encoding) of lengths [${shapes.join(', ')}].`,
    );
  }
  const vars = supernet.allVariables();
  const v = (key: string): tf.Variable => {
    const found = vars.get(key);
    if (found === undefined) throw new InvalidArgumentError(`internal: the DARTS super-net has no variable '${key}'.`);
    return found;
  };
  return tf.tidy(() => {
    const pair: PairHook = (kind, q, out) => {
      const [op, input] = spec[kind].pairs[q] as readonly [string, number];
      const i = (kind === 'normal' ? 0 : 2 * PAIRS) + 2 * q;
      const wOp = weights[i] as tf.Tensor1D;
      const wIn = weights[i + 1] as tf.Tensor1D;
      const chosen = DARTS_OPS.indexOf(op as (typeof DARTS_OPS)[number]);
      const gate = tf.mul(tf.slice(wOp, [chosen], [1]), tf.slice(wIn, [input], [1]));
      return tf.add(tf.mul(out, gate), tf.add(othersSum(wOp, chosen), othersSum(wIn, input))) as tf.Tensor4D;
    };
    const shape = { channels: supernet.channels, layers: supernet.layers, inputChannels: supernet.inputChannels };
    const logits = dartsPass({ v, shape, dedupe: false, withAuxiliary: false, pair }, spec, x).logits;
    // Every weight joins the graph, times 0, so that a weight the logits do not depend on gets a
    // gradient of exactly 0 rather than none (tf.grads would throw): a cell kind the network does
    // not have (no normal cell below 3 layers), or cells cut off by the genotype (a normal cell
    // that never reads its previous cell cuts every cell before it off the logits except through
    // its two-back input, so with 5 layers both reduction cells can be unreachable).
    return tf.add(logits, tf.mul(tf.scalar(0), tf.addN(weights.map((w) => tf.sum(w))))) as tf.Tensor2D;
  });
}
