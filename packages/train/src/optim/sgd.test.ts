import '@tensorflow/tfjs-backend-cpu';
import { InvalidArgumentError } from '@lmreg/common';
import { useTensorLeakCheck } from '@lmreg/common/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { createSgd } from './sgd.js';

beforeAll(async () => {
  expect(await tf.setBackend('cpu')).toBe(true);
});
useTensorLeakCheck({ beforeEach, afterEach });

function values(v: tf.Tensor): number[] {
  return Array.from(v.dataSync());
}

/** Runs steps with the given gradients on w0 = [1, -2] (lr 0.5, momentum 0.9, wd 0.1). */
function run(nesterov: boolean, gradients: number[][]): number[][] {
  const w = tf.tidy(() => tf.variable(tf.tensor1d([1, -2])));
  const vars = new Map([['w', w]]);
  const opt = createSgd({ momentum: 0.9, weightDecay: 0.1, nesterov });
  const trace: number[][] = [];
  for (const g of gradients) {
    const grad = tf.tensor1d(g);
    opt.applyGradients({ w: grad }, vars, 0.5);
    grad.dispose();
    trace.push(values(w));
  }
  opt.dispose();
  w.dispose();
  return trace;
}

describe('SGD (PyTorch semantics)', () => {
  it('matches a hand-computed torch.optim.SGD(momentum=0.9, weight_decay=0.1) update', () => {
    // step 1: d = g + 0.1 w = [0.6, -0.1]; buf = d; w = [1, -2] - 0.5 buf = [0.7, -1.95]
    // step 2: d = [-0.3, 0.2] + 0.1 [0.7, -1.95] = [-0.23, 0.005]; buf = 0.9 [0.6, -0.1] + d = [0.31, -0.085]
    //         w = [0.7, -1.95] - 0.5 buf = [0.545, -1.9075]
    const [w1, w2] = run(false, [
      [0.5, 0.1],
      [-0.3, 0.2],
    ]);
    expect(w1?.[0]).toBeCloseTo(0.7, 6);
    expect(w1?.[1]).toBeCloseTo(-1.95, 6);
    expect(w2?.[0]).toBeCloseTo(0.545, 6);
    expect(w2?.[1]).toBeCloseTo(-1.9075, 6);
  });

  it('matches a hand-computed Nesterov update', () => {
    // step 1: d = [0.6, -0.1]; buf = d; step = d + 0.9 buf = [1.14, -0.19]; w = [0.43, -1.905]
    // step 2: d = [-0.3, 0.2] + 0.1 w = [-0.257, 0.0095]; buf = 0.9 [0.6, -0.1] + d = [0.283, -0.0805]
    //         step = d + 0.9 buf = [-0.0023, -0.06295]; w = [0.43115, -1.873525]
    const [w1, w2] = run(true, [
      [0.5, 0.1],
      [-0.3, 0.2],
    ]);
    expect(w1?.[0]).toBeCloseTo(0.43, 6);
    expect(w1?.[1]).toBeCloseTo(-1.905, 6);
    expect(w2?.[0]).toBeCloseTo(0.43115, 6);
    expect(w2?.[1]).toBeCloseTo(-1.873525, 6);
  });

  it('leaves a variable without a gradient exactly as it is, even with a momentum buffer', () => {
    const a = tf.tidy(() => tf.variable(tf.tensor2d([[1, 2]])));
    const b = tf.tidy(() => tf.variable(tf.tensor1d([3, 4, 5])));
    const vars = new Map<string, tf.Variable>([
      ['a', a],
      ['b', b],
    ]);
    const opt = createSgd();
    const ga = tf.ones([1, 2]);
    const gb = tf.ones([3]);
    opt.applyGradients({ a: ga, b: gb }, vars, 0.1);
    const bAfterFirst = values(b);
    const aAfterFirst = values(a);
    opt.applyGradients({ a: ga }, vars, 0.1);
    opt.applyGradients({ a: ga }, vars, 0.1);
    expect(values(b)).toEqual(bAfterFirst);
    expect(values(a)).not.toEqual(aAfterFirst);
    expect(Object.keys(opt.state().momentum).sort()).toEqual(['a', 'b']);
    tf.dispose([a, b, ga, gb]);
    opt.dispose();
  });

  it('state round trip gives bit-identical subsequent steps', () => {
    const make = (): tf.Variable => tf.tidy(() => tf.variable(tf.tensor2d([[0.5, -1.5, 2]])));
    const grads = [[[0.3, -0.2, 0.1]], [[-0.5, 0.4, 0.9]], [[0.05, 0.7, -0.3]]];
    const w1 = make();
    const w2 = make();
    const opt1 = createSgd({ nesterov: true });
    const step = (opt: ReturnType<typeof createSgd>, w: tf.Variable, g: number[][]): void => {
      const t = tf.tensor2d(g);
      opt.applyGradients({ w: t }, new Map([['w', w]]), 0.05);
      t.dispose();
    };
    step(opt1, w1, grads[0] as number[][]);
    const saved = opt1.state();
    w2.assign(w1);
    const opt2 = createSgd({ nesterov: true });
    opt2.loadState(saved);
    saved.momentum['w']?.fill(123); // the optimizer must hold a copy
    for (const g of grads.slice(1)) {
      step(opt1, w1, g);
      step(opt2, w2, g);
    }
    expect(values(w2)).toEqual(values(w1));
    expect(opt2.state()).toEqual(opt1.state());
    tf.dispose([w1, w2]);
    opt1.dispose();
    opt2.dispose();
  });

  it('refuses unknown keys, wrong shapes, a mismatched loaded state and bad options', () => {
    const w = tf.tidy(() => tf.variable(tf.zeros([2, 2])));
    const vars = new Map([['w', w]]);
    const opt = createSgd();
    const g = tf.zeros([4]);
    expect(() => opt.applyGradients({ x: g }, vars, 0.1)).toThrow(InvalidArgumentError);
    expect(() => opt.applyGradients({ w: g }, vars, 0.1)).toThrow(/shape/);
    expect(() => opt.applyGradients({}, vars, -1)).toThrow(InvalidArgumentError);
    opt.loadState({ momentum: { w: new Float32Array(3) } });
    const g2 = tf.zeros([2, 2]);
    expect(() => opt.applyGradients({ w: g2 }, vars, 0.1)).toThrow(/momentum buffer/);
    expect(() => createSgd({ nesterov: true, momentum: 0 })).toThrow(InvalidArgumentError);
    expect(() => createSgd({ weightDecay: -1 })).toThrow(InvalidArgumentError);
    tf.dispose([w, g, g2]);
    opt.dispose();
  });
});
