import '@tensorflow/tfjs-backend-cpu';
import { createRng, InvalidArchitectureError, InvalidArgumentError } from '@lmreg/common';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';

import { createSgd } from '../optim/sgd.js';
import { createNb201Supernet, NB201_OPS, type Nb201Op } from './nb201-network.js';
import { evaluate, softmaxCrossEntropy, trainStep } from './train-step.js';
import { useCpuWithLeakCheck } from '../testing/model.js';

const TINY = { channels: 4, cells: 1, classes: 10, seed: 7 } as const;

function batch(seed: number, n = 4): { x: tf.Tensor4D; y: tf.Tensor1D } {
  const rng = createRng(seed);
  return {
    x: tf.randomNormal([n, 8, 8, 3], 0, 1, 'float32', seed) as tf.Tensor4D,
    y: tf.tensor1d(
      Array.from({ length: n }, () => rng.int(10)),
      'int32',
    ),
  };
}

function randomArch(rng: ReturnType<typeof createRng>): Nb201Op[] {
  return Array.from({ length: 6 }, () => rng.pick(NB201_OPS));
}

const leakCheck = useCpuWithLeakCheck();

describe('softmaxCrossEntropy', () => {
  it('is the mean negative log-softmax of the label', () => {
    const logits = tf.tensor2d([
      [1, 2, 3],
      [0, 0, 0],
    ]);
    const y = tf.tensor1d([2, 0], 'int32');
    const loss = softmaxCrossEntropy(logits, y);
    const l0 = -(3 - Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)));
    const l1 = Math.log(3);
    expect(loss.dataSync()[0]).toBeCloseTo((l0 + l1) / 2, 6);
    tf.dispose([logits, y, loss]);
  });
});

describe('trainStep', () => {
  it('returns plain numbers: the loss before the update equals evaluate() on the same batch', () => {
    const net = createNb201Supernet(TINY);
    const opt = createSgd();
    const { x, y } = batch(1);
    const arch = ['nor_conv_3x3', 'skip_connect', 'nor_conv_1x1', 'avg_pool_3x3', 'none', 'nor_conv_3x3'];
    const evaluated = evaluate(net, arch, [{ x, y }]);
    const r = trainStep({ net, arch, x, y, optimizer: opt, lr: 0.025 });
    expect(r.loss).toBeCloseTo(evaluated.loss, 5);
    expect(r.extraLoss).toBe(0);
    expect(r.gradNorm).toBeGreaterThan(0);
    expect(Number.isFinite(r.gradNorm)).toBe(true);
    tf.dispose([x, y]);
    opt.dispose();
    net.dispose();
  });

  it('changes no variable outside the path, even with momentum state from other paths', () => {
    const net = createNb201Supernet(TINY);
    const opt = createSgd({ momentum: 0.9, weightDecay: 5e-4 });
    const { x, y } = batch(2);
    const others = [
      ['nor_conv_3x3', 'nor_conv_3x3', 'nor_conv_3x3', 'nor_conv_3x3', 'nor_conv_3x3', 'nor_conv_3x3'],
      ['nor_conv_1x1', 'nor_conv_1x1', 'nor_conv_1x1', 'nor_conv_1x1', 'nor_conv_1x1', 'nor_conv_1x1'],
    ];
    for (const arch of others) trainStep({ net, arch, x, y, optimizer: opt, lr: 0.05 });
    const arch = ['nor_conv_3x3', 'none', 'avg_pool_3x3', 'nor_conv_1x1', 'skip_connect', 'none'];
    const onPath = new Set(net.variablesFor(arch).keys());
    const beforeStep = net.getWeights();
    trainStep({ net, arch, x, y, optimizer: opt, lr: 0.05 });
    const after = net.getWeights();
    let changedOnPath = 0;
    let offPath = 0;
    for (const [key, values] of Object.entries(after)) {
      const same = values.every((v, i) => v === beforeStep[key]?.[i]);
      if (onPath.has(key)) {
        if (!same) changedOnPath++;
      } else {
        offPath++;
        expect(same, `${key} is off the path but moved`).toBe(true);
      }
    }
    expect(offPath).toBeGreaterThan(20);
    expect(changedOnPath).toBe(onPath.size);
    tf.dispose([x, y]);
    opt.dispose();
    net.dispose();
  });

  it('the extra loss term is part of the same gradient: its own path (on another batch) is updated too', () => {
    const net = createNb201Supernet(TINY);
    const opt = createSgd();
    const a = batch(3);
    const b = batch(4);
    const arch = ['nor_conv_3x3', 'none', 'none', 'skip_connect', 'none', 'nor_conv_3x3'];
    const landmark = ['nor_conv_1x1', 'none', 'none', 'nor_conv_1x1', 'avg_pool_3x3', 'none'];
    const expectedExtra = evaluate(net, landmark, [b]).loss * 0.5;
    const touched = new Set([...net.variablesFor(arch).keys(), ...net.variablesFor(landmark).keys()]);
    const beforeStep = net.getWeights();
    const r = trainStep({
      net,
      arch,
      x: a.x,
      y: a.y,
      optimizer: opt,
      lr: 0.05,
      extraLoss: (n) => tf.mul(softmaxCrossEntropy(n.forward(landmark, b.x, { training: true }), b.y), 0.5) as tf.Scalar,
    });
    expect(r.extraLoss).toBeCloseTo(expectedExtra, 5);
    const after = net.getWeights();
    for (const [key, values] of Object.entries(after)) {
      const moved = values.some((v, i) => v !== beforeStep[key]?.[i]);
      expect(moved, key).toBe(touched.has(key));
    }
    expect(() => trainStep({ net, arch, x: a.x, y: a.y, optimizer: opt, lr: 0.05, extraLoss: () => tf.ones([2]) as unknown as tf.Scalar })).toThrow(
      InvalidArgumentError,
    );
    expect(() => trainStep({ net, arch: ['none'], x: a.x, y: a.y, optimizer: opt, lr: 0.05 })).toThrow(InvalidArchitectureError);
    const gray = tf.zeros([4, 8, 8, 1]) as tf.Tensor4D;
    expect(() => trainStep({ net, arch, x: gray, y: a.y, optimizer: opt, lr: 0.05 })).toThrow(InvalidArgumentError);
    gray.dispose();
    // failed steps update nothing
    expect(net.getWeights()).toEqual(after);
    tf.dispose([a.x, a.y, b.x, b.y]);
    opt.dispose();
    net.dispose();
  });

  it('clips the global gradient norm (reported before clipping)', () => {
    const { x, y } = batch(5);
    const arch = ['nor_conv_3x3', 'nor_conv_3x3', 'none', 'nor_conv_1x1', 'none', 'nor_conv_3x3'];
    const run = (clipNorm: number): { norm: number; delta: number } => {
      const net = createNb201Supernet(TINY);
      const opt = createSgd({ momentum: 0, weightDecay: 0 });
      const w0 = net.getWeights();
      const r = trainStep({ net, arch, x, y, optimizer: opt, lr: 1, clipNorm });
      const w1 = net.getWeights();
      let sq = 0;
      for (const [k, v] of Object.entries(w1)) v.forEach((val, i) => (sq += (val - (w0[k]?.[i] ?? 0)) ** 2));
      opt.dispose();
      net.dispose();
      return { norm: r.gradNorm, delta: Math.sqrt(sq) };
    };
    const free = run(Infinity);
    const clipped = run(free.norm / 4);
    expect(free.delta).toBeCloseTo(free.norm, 3); // plain SGD, lr 1: the step is the gradient
    expect(clipped.norm).toBeCloseTo(free.norm, 4);
    expect(clipped.delta).toBeCloseTo(free.norm / 4, 3);
    tf.dispose([x, y]);
  });

  it('loss decreases over 30 steps on a fixed tiny batch', () => {
    const net = createNb201Supernet(TINY);
    const opt = createSgd();
    const { x, y } = batch(6);
    const arch = ['nor_conv_3x3', 'nor_conv_3x3', 'skip_connect', 'nor_conv_1x1', 'avg_pool_3x3', 'nor_conv_3x3'];
    const losses: number[] = [];
    for (let i = 0; i < 30; i++) losses.push(trainStep({ net, arch, x, y, optimizer: opt, lr: 0.05 }).loss);
    const final = evaluate(net, arch, [{ x, y }]);
    expect(final.loss).toBeLessThan((losses[0] ?? 0) * 0.5);
    expect(final.accuracy).toBe(1);
    tf.dispose([x, y]);
    opt.dispose();
    net.dispose();
  });

  it('optimizer + weights restored from a checkpoint give identical subsequent steps', () => {
    const rng = createRng(8);
    const archs = Array.from({ length: 5 }, () => randomArch(rng));
    const { x, y } = batch(9);
    const netA = createNb201Supernet(TINY);
    const optA = createSgd({ nesterov: true });
    for (const arch of archs.slice(0, 3)) trainStep({ net: netA, arch, x, y, optimizer: optA, lr: 0.03 });
    const netB = createNb201Supernet({ ...TINY, seed: 99 });
    netB.setWeights(netA.getWeights());
    const optB = createSgd({ nesterov: true });
    optB.loadState(optA.state());
    for (const arch of archs.slice(3)) {
      const ra = trainStep({ net: netA, arch, x, y, optimizer: optA, lr: 0.02 });
      const rb = trainStep({ net: netB, arch, x, y, optimizer: optB, lr: 0.02 });
      expect(rb).toEqual(ra);
    }
    expect(netB.getWeights()).toEqual(netA.getWeights());
    tf.dispose([x, y]);
    optA.dispose();
    optB.dispose();
    netA.dispose();
    netB.dispose();
  });

  it('leaks no tensors over 50 steps with a new random path each step (momentum state stays bounded)', () => {
    const net = createNb201Supernet(TINY);
    const opt = createSgd();
    const rng = createRng(10);
    const { x, y } = batch(11);
    trainStep({ net, arch: randomArch(rng), x, y, optimizer: opt, lr: 0.025 });
    const counts: number[] = [];
    for (let i = 0; i < 50; i++) {
      trainStep({ net, arch: randomArch(rng), x, y, optimizer: opt, lr: 0.025 });
      counts.push(tf.memory().numTensors);
    }
    // Momentum buffers appear the first time a variable gets a gradient; after that the count is flat.
    const buffers = Object.keys(opt.state().momentum).length;
    expect(counts.at(-1)).toBe(leakCheck.tensorsAtStart() + 2 + net.allVariables().size + buffers);
    tf.dispose([x, y]);
    opt.dispose();
    net.dispose();
  });
});

describe('evaluate', () => {
  it('weights loss and accuracy by batch size and leaks nothing', () => {
    const net = createNb201Supernet(TINY);
    const arch = ['nor_conv_1x1', 'skip_connect', 'none', 'nor_conv_3x3', 'avg_pool_3x3', 'none'];
    const a = batch(12, 4);
    const b = batch(13, 2);
    const ra = evaluate(net, arch, [a]);
    const rb = evaluate(net, arch, [b]);
    const both = evaluate(net, arch, [a, b]);
    expect(both.count).toBe(6);
    expect(both.loss).toBeCloseTo((4 * ra.loss + 2 * rb.loss) / 6, 5);
    expect(both.accuracy).toBeCloseTo((4 * ra.accuracy + 2 * rb.accuracy) / 6, 10);
    expect(() => evaluate(net, arch, [])).toThrow(InvalidArgumentError);
    tf.dispose([a.x, a.y, b.x, b.y]);
    net.dispose();
  });
});
