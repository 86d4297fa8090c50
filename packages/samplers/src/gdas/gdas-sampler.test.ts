import '@tensorflow/tfjs-backend-cpu';

import { createRng, InvalidArgumentError } from '@lmreg/common';
import { expectNoTensorLeak } from '@lmreg/common/testing';
import { getSpace } from '@lmreg/spaces';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import { getSampler } from '../sampler/registry.js';
import { createGdasSampler, gdasTau, type GdasStepContext } from './gdas-sampler.js';

const space = getSpace('nb201');

beforeAll(async () => {
  expect(await tf.setBackend('cpu')).toBe(true);
});

/** A loss that rewards op `target` on every edge through the straight-through weights only. */
function rewardOp(target: number): GdasStepContext['loss'] {
  return (weights) => tf.neg(tf.sum(tf.concat(weights.map((w) => tf.slice(w, [target], [1]))))) as tf.Scalar;
}

describe('gdas sampler', () => {
  it('anneals tau linearly from 10 to 0.1 and clamps outside [0, 1]', () => {
    expect(gdasTau(0)).toBe(10);
    expect(gdasTau(1)).toBeCloseTo(0.1, 12);
    expect(gdasTau(0.5)).toBeCloseTo(5.05, 12);
    expect(gdasTau(2)).toBeCloseTo(0.1, 12);
    expect(gdasTau(-1)).toBe(10);
  });

  it('is registered for nb201 and rejects bad options', () => {
    expect(getSampler('gdas').name).toBe('gdas');
    expect(() => createGdasSampler({ tauMin: 20 })).toThrow(InvalidArgumentError);
    expect(() => getSampler('gdas', { nope: 1 })).toThrow(/unknown option/);
  });

  it('straight-through steps move the logits towards the rewarded op, without leaking tensors', () => {
    const sampler = createGdasSampler({ lr: 0.05 });
    sampler.init({ space, rng: createRng(3) });
    expectNoTensorLeak(() => {
      for (let step = 0; step < 60; step++) sampler.stepArchitecture({ step, progress: step / 59, loss: rewardOp(3) } as GdasStepContext);
    });
    expect(sampler.argmaxArch()).toEqual(Array(6).fill('nor_conv_3x3'));
    // the logits now favour the op, so most sampled training paths use it
    const paths = Array.from({ length: 20 }, (_, s) => sampler.pathForBatch(s));
    const hits = paths.flat().filter((op) => op === 'nor_conv_3x3').length;
    expect(hits).toBeGreaterThan(60);
  });

  it('continues bit for bit from a JSON state saved between architecture steps', () => {
    const a = createGdasSampler({ lr: 0.01 });
    a.init({ space, rng: createRng(9) });
    for (let step = 0; step < 5; step++) a.stepArchitecture({ step, progress: 0, loss: rewardOp(1) } as GdasStepContext);
    const saved = JSON.parse(JSON.stringify(a.state())) as ReturnType<typeof a.state>;
    const b = createGdasSampler();
    b.init({ space, rng: createRng(1234) });
    b.loadState(saved);
    for (let step = 5; step < 10; step++) {
      a.stepArchitecture({ step, progress: 0.5, loss: rewardOp(1) } as GdasStepContext);
      b.stepArchitecture({ step, progress: 0.5, loss: rewardOp(1) } as GdasStepContext);
    }
    expect(b.logits()).toEqual(a.logits());
    expect(space.format(b.pathForBatch(77))).toBe(space.format(a.pathForBatch(77)));
    expect(() => b.loadState({ ...saved, extra: { logits: [[1]] } })).toThrow(InvalidArgumentError);
  });

  it('needs a loss in the step context', () => {
    const sampler = createGdasSampler();
    sampler.init({ space, rng: createRng(1) });
    expect(() => sampler.stepArchitecture({ step: 0, progress: 0 })).toThrow(/loss\(weights, arch\)/);
  });

  it('proposes the argmax architecture first', async () => {
    const sampler = createGdasSampler({ lr: 0.05 });
    sampler.init({ space, rng: createRng(5) });
    for (let step = 0; step < 40; step++) sampler.stepArchitecture({ step, progress: 0, loss: rewardOp(2) } as GdasStepContext);
    const calls: string[] = [];
    await sampler.propose((arch) => {
      calls.push(space.format(arch));
      return 1;
    }, 5);
    expect(calls[0]).toBe(space.format(sampler.argmaxArch()));
    expect(calls.length).toBe(5);
  });
});
