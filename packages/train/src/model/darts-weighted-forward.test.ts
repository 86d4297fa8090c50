import '@tensorflow/tfjs-backend-cpu';

import { createRng, InvalidArchitectureError, InvalidArgumentError } from '@lmreg/common';
import { expectNoTensorLeak } from '@lmreg/common/testing';
import { DARTS_OPS, type DartsGenotype, type DartsLikeGenotype, getSpace } from '@lmreg/spaces';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';

import { createDartsNetwork, createDartsSupernet } from './darts-builder.js';
import { DARTS_WEIGHT_LENGTHS, dartsWeightedForward } from './darts-weighted-forward.js';
import { createNb201Supernet } from './nb201-network.js';
import type { Network } from './network.js';
import { getNetworkBuilder } from './registry.js';
import { maxAbsDiff, useCpuWithLeakCheck } from '../testing/model.js';

useCpuWithLeakCheck();
const space = getSpace<DartsGenotype>('darts');
// 3 layers: cell 0 normal, cells 1 and 2 reduction, so both kinds of weights are used.
const OPTIONS = { channels: 4, layers: 3, classes: 3, inputChannels: 1, seed: 1 } as const;

/** Every op, a repeated (node, input, op) edge, and one `none` per cell. */
const ARCH: DartsGenotype = {
  normal: [
    ['sep_conv_3x3', 0],
    ['dil_conv_3x3', 1],
    ['skip_connect', 2],
    ['none', 0],
    ['max_pool_3x3', 3],
    ['dil_conv_5x5', 1],
    ['avg_pool_3x3', 4],
    ['avg_pool_3x3', 4],
  ],
  reduce: [
    ['skip_connect', 0],
    ['sep_conv_5x5', 1],
    ['avg_pool_3x3', 0],
    ['dil_conv_3x3', 2],
    ['max_pool_3x3', 1],
    ['none', 3],
    ['sep_conv_3x3', 4],
    ['skip_connect', 2],
  ],
};

function oneHots(arch: DartsGenotype): tf.Tensor1D[] {
  return space.encode(arch).map((choice, i) => tf.tensor1d(Array.from({ length: DARTS_WEIGHT_LENGTHS[i] as number }, (_, k) => (k === choice ? 1 : 0))));
}

describe('dartsWeightedForward (GDAS on the DARTS super-net)', () => {
  it('weights follow the darts encoding; with one-hot weights it equals the super-net forward of the genotype', () => {
    expect(DARTS_WEIGHT_LENGTHS).toEqual(space.encodingBounds);
    const net = createDartsSupernet(OPTIONS);
    const x = tf.randomNormal([4, 8, 8, 1], 0, 1, 'float32', 7) as tf.Tensor4D;
    const rng = createRng(5);
    for (const arch of [ARCH, space.sample(rng), space.sample(rng)]) {
      const weights = oneHots(arch);
      const reference = net.forward(arch, x, { training: true });
      const weighted = dartsWeightedForward(net, arch, weights, x);
      expect(weighted.shape).toEqual([4, 3]);
      expect(maxAbsDiff(reference, weighted)).toBeLessThan(1e-5);
      // The weights are used: a non-zero weight on an op not chosen shifts that pair's output (reduce
      // pair 0: the last cell feeds the classifier directly, no batch norm cancels the shift).
      const at = 16;
      const other = ((space.encode(arch)[at] as number) + 1) % DARTS_OPS.length;
      const shifted = tf.tidy(
        () => weights.map((w, i) => (i === at ? tf.add(w, tf.tensor1d(DARTS_OPS.map((_, k) => (k === other ? 1 : 0)))) : tf.clone(w))) as tf.Tensor1D[],
      );
      const moved = dartsWeightedForward(net, arch, shifted, x);
      expect(maxAbsDiff(reference, moved)).toBeGreaterThan(1e-4);
      tf.dispose([reference, weighted, moved, ...weights, ...shifted]);
    }
    x.dispose();
    net.dispose();
  });

  it('gradients reach every weight vector (GDAS straight-through: chosen entries get <dL/dout, out>, the others the sum of dL/dout); no leaks', () => {
    const net = createDartsSupernet(OPTIONS);
    const x = tf.randomNormal([4, 8, 8, 1], 0, 1, 'float32', 8) as tf.Tensor4D;
    const y = tf.tensor1d([0, 1, 2, 0], 'int32');
    expectNoTensorLeak(() => {
      const weights = oneHots(ARCH);
      const grads = tf.grads((...ws: tf.Tensor[]) => {
        const logits = dartsWeightedForward(net, ARCH, ws as tf.Tensor1D[], x);
        return tf.losses.softmaxCrossEntropy(tf.oneHot(y, 3), logits) as tf.Scalar;
      })(weights);
      const g = grads.map((t) => Array.from(t.dataSync()));
      const encoding = space.encode(ARCH);
      for (let pair = 0; pair < 16; pair++) {
        const [opAt, inAt] = [2 * pair, 2 * pair + 1];
        const op = encoding[opAt] as number;
        const input = encoding[inAt] as number;
        const gOp = g[opAt] as number[];
        const gIn = g[inAt] as number[];
        const where = `pair ${pair} (${DARTS_OPS[op]}, ${input})`;
        expect(gOp.some((v) => v !== 0) && gIn.some((v) => v !== 0), where).toBe(true);
        // Chosen op and chosen input share the gradient of the gate (each is the other's factor, 1).
        const chosen = gOp[op] as number;
        expect(Math.abs(chosen - (gIn[input] as number)), where).toBeLessThanOrEqual(1e-6 * Math.abs(chosen));
        // A chosen `none` multiplies zeros: no gradient for its chosen entries; any other op has one.
        if (DARTS_OPS[op] === 'none') expect(Math.abs(chosen), where).toBe(0);
        else expect(Math.abs(chosen), where).toBeGreaterThan(0);
        // Every candidate not chosen, of either position, adds the same scalar to the same output.
        const others = [...gOp.filter((_, k) => k !== op), ...gIn.filter((_, j) => j !== input)];
        const shared = others[0] as number;
        for (const v of others) expect(Math.abs(v - shared), where).toBeLessThanOrEqual(1e-6 * Math.abs(shared));
        expect(Math.abs(shared), where).toBeGreaterThan(0);
      }
      tf.dispose([...weights, ...grads]);
    });
    tf.dispose([x, y]);
    net.dispose();
  });

  it('without a normal cell (1 layer) the normal-cell weights get an exact zero gradient instead of none; one-hot still equals forward', () => {
    const net = createDartsSupernet({ ...OPTIONS, layers: 1 });
    const x = tf.randomNormal([4, 8, 8, 1], 0, 1, 'float32', 9) as tf.Tensor4D;
    const y = tf.tensor1d([2, 1, 0, 0], 'int32');
    const weights = oneHots(ARCH);
    const reference = net.forward(ARCH, x, { training: true });
    const weighted = dartsWeightedForward(net, ARCH, weights, x);
    expect(maxAbsDiff(reference, weighted)).toBeLessThan(1e-5);
    const grads = tf.grads((...ws: tf.Tensor[]) => {
      const logits = dartsWeightedForward(net, ARCH, ws as tf.Tensor1D[], x);
      return tf.losses.softmaxCrossEntropy(tf.oneHot(y, 3), logits) as tf.Scalar;
    })(weights);
    const g = grads.map((t) => Array.from(t.dataSync()));
    g.slice(0, 16).forEach((row, i) =>
      expect(
        row.every((v) => v === 0),
        `normal position ${i}`,
      ).toBe(true),
    );
    g.slice(16).forEach((row, i) =>
      expect(
        row.some((v) => v !== 0),
        `reduce position ${i}`,
      ).toBe(true),
    );
    tf.dispose([x, y, reference, weighted, ...weights, ...grads]);
    net.dispose();
  });

  it('a normal genotype that never reads its previous cell cuts both reduction cells (5 layers) off the logits: their weights get an exact zero gradient', () => {
    const net = createDartsSupernet({ ...OPTIONS, layers: 5 });
    // Inputs 0 (two cells back) and the cell's own nodes only: cells 1 and 3 (reduction) feed nothing that reaches the logits.
    const arch: DartsGenotype = { ...ARCH, normal: ARCH.normal.map(([op, input]) => [op, input === 1 ? 0 : input] as const) as DartsGenotype['normal'] };
    const x = tf.randomNormal([4, 8, 8, 1], 0, 1, 'float32', 10) as tf.Tensor4D;
    const y = tf.tensor1d([2, 1, 0, 0], 'int32');
    const weights = oneHots(arch);
    const reference = net.forward(arch, x, { training: true });
    const weighted = dartsWeightedForward(net, arch, weights, x);
    expect(maxAbsDiff(reference, weighted)).toBeLessThan(1e-5);
    const grads = tf.grads((...ws: tf.Tensor[]) => {
      const logits = dartsWeightedForward(net, arch, ws as tf.Tensor1D[], x);
      return tf.losses.softmaxCrossEntropy(tf.oneHot(y, 3), logits) as tf.Scalar;
    })(weights);
    const g = grads.map((t) => Array.from(t.dataSync()));
    expect(g.slice(0, 16).every((row) => row.some((v) => v !== 0))).toBe(true);
    expect(g.slice(16).every((row) => row.every((v) => v === 0))).toBe(true);
    tf.dispose([x, y, reference, weighted, ...weights, ...grads]);
    net.dispose();
  });

  it('refuses weights of the wrong shape, a stand-alone network, a non-super-net genotype and (registered builder) another network', () => {
    const net = createDartsSupernet(OPTIONS);
    const x = tf.zeros([1, 8, 8, 1]) as tf.Tensor4D;
    const good = oneHots(ARCH);
    const short = good.slice(1);
    const wrongLength = good.map((w, i) => (i === 3 ? tf.ones([8]) : w)) as tf.Tensor1D[];
    expect(() => dartsWeightedForward(net, ARCH, short, x)).toThrow(/32 weight vectors/);
    expect(() => dartsWeightedForward(net, ARCH, wrongLength, x)).toThrow(InvalidArgumentError);
    expect(() => dartsWeightedForward(net, { ...ARCH, normalConcat: [2, 3] }, good, x)).toThrow(InvalidArchitectureError);
    const alone = createDartsNetwork(ARCH, OPTIONS);
    expect(() => dartsWeightedForward(alone, ARCH, good, x)).toThrow(/super-net/);
    const builder = getNetworkBuilder<DartsLikeGenotype>('darts');
    const nb201 = createNb201Supernet({ seed: 1, channels: 4, cells: 1, classes: 3, inputChannels: 1 });
    expect(() => builder.weightedForward?.(nb201 as unknown as Network<DartsLikeGenotype>, ARCH, good, x)).toThrow(/DARTS super-net/);
    const viaBuilder = builder.weightedForward?.(net, ARCH, good, x) as tf.Tensor2D;
    expect(viaBuilder.shape).toEqual([1, 3]);
    tf.dispose([x, viaBuilder, ...good, wrongLength[3] as tf.Tensor]);
    alone.dispose();
    nb201.dispose();
    net.dispose();
  });
});
