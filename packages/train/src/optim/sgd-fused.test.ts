import '@tensorflow/tfjs-backend-cpu';
import { expectNoTensorLeak } from '@lmreg/common/testing';
import * as tf from '@tensorflow/tfjs-core';
import { fc, test } from '@fast-check/vitest';
import { createRng } from '@lmreg/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createNb201Supernet } from '../model/nb201-network.js';
import { softmaxCrossEntropy, trainStep } from '../model/train-step.js';
import { createSgd } from './sgd.js';
import type { SgdOptimizer, SgdOptions } from './sgd.js';
import { native, NATIVE_BUILT as BUILT, type NativeKernels } from '../testing/native.js';

// The fused clip + SGD update (@lmreg/tfjs-native's LmregClipSgd, used by SgdOptimizer when the
// backend has it) against the composite path (the same optimizer on the stock cpu kernels, where
// the kernel is absent): several steps over random sets of variables, gradients and
// hyper-parameters, with variables that miss a gradient in some steps (their momentum kept, their
// value untouched) and a checkpoint (state() -> loadState() into a fresh optimizer) in the middle.
// Tolerance: norms within 1e-6 relative; values and momentum buffers within
// 1e-5 * max(|composite|, 1) per variable (the norm's float32 partial sums may be added in another
// order: one ulp of the clip coefficient; the update is the same float32 operations). Skipped when
// the addon is not built (LMREG_REQUIRE_NATIVE=1 makes that a failure).

/** Deterministic values in [-scale, scale). */
function values(size: number, seed: number, scale = 1): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: size }, () => (2 * rng.float() - 1) * scale);
}

interface Case {
  shapes: number[][];
  options: Required<Omit<SgdOptions, 'fused'>>;
  lr: number;
  maxNorm: number;
  masks: boolean[][];
  gradScale: number;
  checkpointAfter: number;
  seed: number;
}

interface Snapshot {
  norm: number;
  weights: Float32Array[];
  momentum: Record<string, Float32Array>;
}

const caseArbitrary: fc.Arbitrary<Case> = fc
  .record({
    shapes: fc.array(fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 0, maxLength: 4 }), { minLength: 1, maxLength: 6 }),
    options: fc.record({
      momentum: fc.constantFrom(0, 0.5, 0.9),
      weightDecay: fc.constantFrom(0, 5e-4, 0.05),
      dampening: fc.constantFrom(0, 0.2),
      nesterov: fc.boolean(),
    }),
    lr: fc.constantFrom(0, 0.025, 0.1, 1),
    maxNorm: fc.constantFrom(Infinity, 0.1, 5),
    masks: fc.array(fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }), { minLength: 1, maxLength: 4 }),
    gradScale: fc.constantFrom(0.01, 1, 50),
    checkpointAfter: fc.integer({ min: -1, max: 3 }),
    seed: fc.integer({ min: 1, max: 1_000_000 }),
  })
  .map((c) => (c.options.nesterov && (c.options.momentum === 0 || c.options.dampening !== 0) ? { ...c, options: { ...c.options, nesterov: false } } : c));

/** Runs a case's steps with `clipAndApplyGradients` on the current kernels; returns a snapshot per step. */
function run(c: Case): Snapshot[] {
  return expectNoTensorLeak(() => {
    const keys = c.shapes.map((_, i) => `v${i}`);
    const variables = new Map(
      c.shapes.map(
        (shape, i) =>
          [
            keys[i] as string,
            tf.tidy(() =>
              tf.variable(
                tf.tensor(
                  values(
                    shape.reduce((a, b) => a * b, 1),
                    c.seed + i,
                  ),
                  shape,
                ),
              ),
            ),
          ] as const,
      ),
    );
    let optimizer: SgdOptimizer = createSgd(c.options);
    const snapshots = c.masks.map((mask, step) => {
      const grads: Record<string, tf.Tensor> = {};
      c.shapes.forEach((shape, i) => {
        if (mask[i] === true)
          grads[keys[i] as string] = tf.tensor(
            values(
              shape.reduce((a, b) => a * b, 1),
              c.seed * 17 + step * 7 + i,
              c.gradScale,
            ),
            shape,
          );
      });
      const norm = optimizer.clipAndApplyGradients(grads, variables, c.lr, c.maxNorm);
      const snapshot = {
        norm: norm.dataSync()[0] ?? Number.NaN,
        weights: [...variables.values()].map((v) => v.dataSync().slice() as Float32Array),
        momentum: optimizer.state().momentum,
      };
      tf.dispose([norm, ...Object.values(grads)]);
      if (step === c.checkpointAfter) {
        const restored = createSgd(c.options);
        restored.loadState(optimizer.state());
        optimizer.dispose();
        optimizer = restored;
      }
      return snapshot;
    });
    optimizer.dispose();
    for (const v of variables.values()) v.dispose();
    return snapshots;
  });
}

function scaledError(actual: Float32Array | undefined, expected: Float32Array | undefined): number {
  if (actual === undefined || expected === undefined || actual.length !== expected.length) return Number.POSITIVE_INFINITY;
  let diff = 0;
  let scale = 1;
  expected.forEach((e, i) => {
    diff = Math.max(diff, Math.abs((actual[i] ?? Number.NaN) - e));
    scale = Math.max(scale, Math.abs(e));
  });
  return Number.isNaN(diff) ? Number.POSITIVE_INFINITY : diff / scale;
}

/** Kernel names run by `fn` (tfjs' profiler), after disposing what it returns. */
async function kernelsOf(fn: () => tf.TensorContainer): Promise<string[]> {
  const info = await tf.profile(fn);
  tf.dispose(info.result);
  return info.kernels.map((k) => k.name);
}

describe('SGD with the fused clip + update kernel', () => {
  it('is tested where the addon is required', () => {
    if (process.env['LMREG_REQUIRE_NATIVE'] === '1') expect(BUILT, 'LMREG_REQUIRE_NATIVE=1 but the addon is not built').toBe(true);
  });

  describe.skipIf(!BUILT)('native vs composite', () => {
    const addon = native as NativeKernels;
    beforeAll(async () => {
      expect(await tf.setBackend('cpu')).toBe(true);
    });
    afterAll(() => addon.unregisterNativeKernels());

    test.prop([caseArbitrary], { numRuns: 120 })('follows the composite trajectory (norm, values, momentum buffers; checkpoint restored mid-way)', (c) => {
      addon.unregisterNativeKernels();
      const expected = run(c);
      addon.registerNativeKernels();
      const actual = run(c);
      actual.forEach((snapshot, step) => {
        const reference = expected[step] as Snapshot;
        expect(Math.abs(snapshot.norm - reference.norm), `step ${step} norm`).toBeLessThanOrEqual(1e-6 * reference.norm);
        snapshot.weights.forEach((w, i) => expect(scaledError(w, reference.weights[i]), `step ${step} v${i}`).toBeLessThanOrEqual(1e-5));
        expect(Object.keys(snapshot.momentum).sort()).toEqual(Object.keys(reference.momentum).sort());
        for (const [key, m] of Object.entries(snapshot.momentum)) {
          expect(scaledError(m, reference.momentum[key]), `step ${step} momentum of ${key}`).toBeLessThanOrEqual(1e-5);
        }
      });
    });

    it('runs one kernel for the clip and update of every variable; fused: false runs the composite ops', async () => {
      addon.registerNativeKernels();
      await expectNoTensorLeak(async () => {
        const variables = new Map<string, tf.Variable>([
          ['a', tf.tidy(() => tf.variable(tf.tensor2d([[1, 2, 3]])))],
          ['b', tf.tidy(() => tf.variable(tf.tensor1d([4, 5])))],
        ]);
        const grads = { a: tf.tensor2d([[0.5, -1, 2]]), b: tf.tensor1d([3, -4]) };
        const fused = createSgd();
        expect(await kernelsOf(() => fused.clipAndApplyGradients(grads, variables, 0.1, 1))).toEqual(['LmregClipSgd']);
        expect(await kernelsOf(() => (fused.applyGradients(grads, variables, 0.1), []))).toEqual(['LmregClipSgd']);
        const composite = createSgd({ fused: false });
        const kernels = await kernelsOf(() => composite.clipAndApplyGradients(grads, variables, 0.1, 1));
        expect(kernels).not.toContain('LmregClipSgd');
        expect(kernels.length).toBeGreaterThan(10);
        fused.dispose();
        composite.dispose();
        tf.dispose([...variables.values(), ...Object.values(grads)]);
      });
    });

    it('adds one kernel call to the forward and backward pass of an NB201 training step (C=4, N=1), the composite update 8+ per variable', async () => {
      addon.registerNativeKernels();
      await expectNoTensorLeak(async () => {
        const rng = createRng(5);
        const net = createNb201Supernet({ channels: 4, cells: 1, classes: 10, seed: 2 });
        const x = tf.randomNormal([4, 16, 16, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
        const y = tf.tensor1d(
          Array.from({ length: 4 }, () => rng.int(10)),
          'int32',
        );
        const arch = ['nor_conv_3x3', 'nor_conv_1x1', 'avg_pool_3x3', 'skip_connect', 'nor_conv_3x3', 'nor_conv_1x1'];
        const variables = [...net.variablesFor(arch).values()].filter((v) => v.trainable);
        const forwardBackward = await kernelsOf(() => tf.variableGrads(() => softmaxCrossEntropy(net.forward(arch, x, { training: true }), y), variables));
        const step = async (optimizer: SgdOptimizer): Promise<string[]> => {
          trainStep({ net, arch, x, y, optimizer, lr: 0.05 }); // momentum buffers exist from now on
          const kernels = await kernelsOf(() => (trainStep({ net, arch, x, y, optimizer, lr: 0.05 }), []));
          optimizer.dispose();
          return kernels;
        };
        const fused = await step(createSgd());
        const composite = await step(createSgd({ fused: false }));
        // the step = forward + backward, one LmregClipSgd, one Pack (the summary of plain numbers)
        expect(fused.filter((k) => k === 'LmregClipSgd').length).toBe(1);
        expect(fused.length).toBe(forwardBackward.length + 2);
        expect(composite.length - fused.length).toBeGreaterThanOrEqual(8 * variables.length);
        tf.dispose([x, y]);
        net.dispose();
      });
    });
  });
});
