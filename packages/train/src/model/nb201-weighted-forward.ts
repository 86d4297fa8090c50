import { InvalidArgumentError } from '@lmreg/common';
import * as tf from '@tensorflow/tfjs-core';

import { avgPool3x3ExcludePad, batchNormBatchStats, conv2dTorch, relu, reluConvBn } from './layers.js';
import { assertNb201Arch, NB201_EDGES, NB201_OPS, type Nb201Network, type Nb201ArchLike, type Nb201Op } from './nb201-network.js';
import { nb201ResidualReduction } from './nb201-parts.js';

/**
 * GDAS's weighted forward of a discrete NB201 path, composed outside the network from the
 * super-net's own variables (read by key; nothing is copied or trained here).
 *
 * Identical in structure to `Nb201Network.forward` (stem, 3 stages of cells with residual
 * reductions, BN with batch statistics, head), except that every edge `e` of every cell adds, as
 * GDAS's `MixedOp` forward with a hard index does,
 * `weights[e][chosen] * op_chosen(node_from) + sum_{k != chosen} weights[e][k]` to its target node
 * (the second sum is scalars broadcast over the node; with straight-through weights its value is
 * 0 and its gradient is what GDAS gives the logits of the ops not chosen). All edges are computed
 * (no dead-edge pruning), as GDAS does, so the logits of dead edges also get their gradient. With
 * exactly one-hot `weights` the logits equal `net.forward(arch)` up to float rounding.
 *
 * @param weights one `[5]` tensor per edge (op order `NB201_OPS`), not disposed.
 * @param x NHWC images; not disposed. Returns logits `[batch, classes]` owned by the caller.
 */
export function nb201WeightedForward(net: Nb201Network, arch: Nb201ArchLike, weights: readonly tf.Tensor1D[], x: tf.Tensor4D): tf.Tensor2D {
  const ops = assertNb201Arch(arch);
  if (weights.length !== NB201_EDGES.length || weights.some((w) => w.rank !== 1 || w.shape[0] !== NB201_OPS.length)) {
    throw new InvalidArgumentError(`nb201WeightedForward needs ${NB201_EDGES.length} weight vectors of length ${NB201_OPS.length} (one per edge).`);
  }
  if (net.fixedArch !== undefined) throw new InvalidArgumentError('nb201WeightedForward runs on the NB201 super-net, not a stand-alone network.');
  const vars = net.allVariables();
  const v = (key: string): tf.Variable => {
    const found = vars.get(key);
    if (found === undefined) throw new InvalidArgumentError(`internal: the NB201 super-net has no variable '${key}'.`);
    return found;
  };
  return tf.tidy(() => {
    let h = batchNormBatchStats(conv2dTorch(x, v('stem.conv'), 1, 1), v('stem.bn.gamma'), v('stem.bn.beta'));
    for (let stage = 1; stage <= 3; stage++) {
      if (stage > 1) h = nb201ResidualReduction(h, v, `reduce${stage - 1}`);
      for (let cell = 0; cell < net.cells; cell++) {
        const nodes: tf.Tensor4D[] = [h];
        for (let target = 1; target <= 3; target++) {
          const terms: tf.Tensor[] = [];
          NB201_EDGES.forEach(([from, to], edge) => {
            if (to !== target) return;
            const op = ops[edge] as Nb201Op;
            const chosen = NB201_OPS.indexOf(op);
            const w = weights[edge] as tf.Tensor1D;
            const source = nodes[from] as tf.Tensor4D;
            const p = `stage${stage}.cell${cell}.edge${edge}.${op}`;
            const out =
              op === 'none'
                ? tf.zerosLike(source)
                : op === 'skip_connect'
                  ? source
                  : op === 'avg_pool_3x3'
                    ? avgPool3x3ExcludePad(source)
                    : reluConvBn(source, v(`${p}.conv`), v(`${p}.bn.gamma`), v(`${p}.bn.beta`), 1);
            terms.push(tf.mul(out, tf.slice(w, [chosen], [1])));
            const others = NB201_OPS.map((_, k) => k).filter((k) => k !== chosen);
            terms.push(tf.sum(tf.gather(w, tf.tensor1d(others, 'int32'))));
          });
          nodes[target] = tf.addN(terms.map((t) => tf.add(tf.zerosLike(h), t))) as tf.Tensor4D;
        }
        h = nodes[3] as tf.Tensor4D;
      }
    }
    h = relu(batchNormBatchStats(h, v('lastact.bn.gamma'), v('lastact.bn.beta')));
    const pooled = tf.mean(h, [1, 2]) as tf.Tensor2D;
    return tf.add(tf.matMul(pooled, v('classifier.weight') as tf.Tensor2D), v('classifier.bias')) as tf.Tensor2D;
  });
}
