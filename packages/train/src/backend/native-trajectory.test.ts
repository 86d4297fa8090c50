import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@lmreg/common';
import { describe, expect, it } from 'vitest';
import type { DartsGenotype } from '@lmreg/spaces';

import { createDartsSupernet } from '../model/darts-builder.js';
import { createNb201Supernet, NB201_OPS } from '../model/nb201-network.js';
import { evaluate, trainStep } from '../model/train-step.js';
import { createSgd } from '../optim/sgd.js';
import { selectBackend } from './select-backend.js';

// `--backend native` (tfjs cpu + @lmreg/tfjs-native's kernels) against the stock cpu kernels on a
// whole NB201 super-net training run: the same seeds, paths and batches give the same losses and
// gradient norms step by step, within 1e-3 relative (float32 sums taken in another order, over
// several SGD updates). Skipped when the addon is not built (.ci/native.sh builds it and sets
// LMREG_REQUIRE_NATIVE=1, which makes a missing addon a failure here).

interface NativeModule {
  isNativeAvailable(): boolean;
  registerNativeKernels(): readonly string[];
  unregisterNativeKernels(): void;
}

const native = (await import('@lmreg/tfjs-native').catch(() => undefined)) as NativeModule | undefined;
const BUILT = native?.isNativeAvailable() ?? false;

describe('native backend training trajectory', () => {
  it('is tested where the addon is required', () => {
    if (process.env['LMREG_REQUIRE_NATIVE'] === '1') expect(BUILT, 'LMREG_REQUIRE_NATIVE=1 but the addon is not built').toBe(true);
  });

  it.skipIf(!BUILT)("gives the stock cpu backend's loss trajectory on an NB201 super-net (C=4, N=1, 16x16, batch 8, 6 steps, changing paths)", async () => {
    const selected = await selectBackend('native');
    expect(selected.name).toBe('native');
    const addon = native as NativeModule;
    const run = (useNative: boolean) => {
      if (useNative) addon.registerNativeKernels();
      else addon.unregisterNativeKernels();
      const before = tf.memory().numTensors;
      const rng = createRng(7);
      const net = createNb201Supernet({ channels: 4, cells: 1, classes: 10, seed: 3 });
      const optimizer = createSgd({ momentum: 0.9, weightDecay: 5e-4 });
      const x = tf.randomNormal([8, 16, 16, 3], 0, 1, 'float32', 11) as tf.Tensor4D;
      const y = tf.tensor1d(
        Array.from({ length: 8 }, () => rng.int(10)),
        'int32',
      );
      const trajectory: number[] = [];
      for (let step = 0; step < 6; step++) {
        // the first path uses every op kind, the others are random
        const arch =
          step === 0
            ? ['nor_conv_3x3', 'avg_pool_3x3', 'nor_conv_1x1', 'skip_connect', 'nor_conv_3x3', 'avg_pool_3x3']
            : Array.from({ length: 6 }, () => rng.pick(NB201_OPS));
        const result = trainStep({ net, arch, x, y, optimizer, lr: 0.05 });
        trajectory.push(result.loss, result.gradNorm);
      }
      const evaluation = evaluate(net, Array(6).fill('nor_conv_3x3'), [{ x, y }]);
      trajectory.push(evaluation.loss);
      tf.dispose([x, y]);
      optimizer.dispose();
      net.dispose();
      expect(tf.memory().numTensors).toBe(before);
      return trajectory;
    };
    try {
      const stock = run(false);
      const fast = run(true);
      expect(fast.length).toBe(stock.length);
      fast.forEach((value, i) => {
        const expected = stock[i] ?? Number.NaN;
        expect(Number.isFinite(value)).toBe(true);
        expect(Math.abs(value - expected), `entry ${i}: native ${value}, cpu ${expected}`).toBeLessThanOrEqual(1e-3 * Math.max(1, Math.abs(expected)));
      });
      // The run must have moved: the losses are not all equal.
      expect(new Set(stock.map((v) => v.toFixed(4))).size).toBeGreaterThan(3);
    } finally {
      addon.unregisterNativeKernels();
    }
  });

  it.skipIf(!BUILT)(
    "gives the stock cpu backend's loss trajectory on a DARTS super-net (C=4, 3 layers, 16x16, batch 4, 4 steps, changing genotypes: sep/dil convs fused)",
    async () => {
      const selected = await selectBackend('native');
      expect(selected.name).toBe('native');
      const addon = native as NativeModule;
      const ops = ['sep_conv_3x3', 'sep_conv_5x5', 'dil_conv_3x3', 'dil_conv_5x5', 'skip_connect', 'avg_pool_3x3', 'max_pool_3x3'] as const;
      const run = (useNative: boolean) => {
        if (useNative) addon.registerNativeKernels();
        else addon.unregisterNativeKernels();
        const before = tf.memory().numTensors;
        const rng = createRng(5);
        const net = createDartsSupernet({ channels: 4, layers: 3, classes: 10, seed: 3 });
        const optimizer = createSgd({ momentum: 0.9, weightDecay: 3e-4 });
        const x = tf.randomNormal([4, 16, 16, 3], 0, 1, 'float32', 13) as tf.Tensor4D;
        const y = tf.tensor1d(
          Array.from({ length: 4 }, () => rng.int(10)),
          'int32',
        );
        const cell = () => Array.from({ length: 8 }, (_, i) => [rng.pick(ops), rng.int(Math.floor(i / 2) + 2)] as [string, number]);
        const trajectory: number[] = [];
        for (let step = 0; step < 4; step++) {
          const arch = { normal: cell(), reduce: cell() } as unknown as DartsGenotype;
          const result = trainStep({ net, arch, x, y, optimizer, lr: 0.05 });
          trajectory.push(result.loss, result.gradNorm);
        }
        tf.dispose([x, y]);
        optimizer.dispose();
        net.dispose();
        expect(tf.memory().numTensors).toBe(before);
        return trajectory;
      };
      try {
        const stock = run(false);
        const fast = run(true);
        expect(fast.length).toBe(stock.length);
        fast.forEach((value, i) => {
          const expected = stock[i] ?? Number.NaN;
          expect(Number.isFinite(value)).toBe(true);
          expect(Math.abs(value - expected), `entry ${i}: native ${value}, cpu ${expected}`).toBeLessThanOrEqual(1e-3 * Math.max(1, Math.abs(expected)));
        });
        expect(new Set(stock.map((v) => v.toFixed(4))).size).toBeGreaterThan(3);
      } finally {
        addon.unregisterNativeKernels();
      }
    },
  );
});
