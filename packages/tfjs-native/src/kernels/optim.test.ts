import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { fc, test } from '@fast-check/vitest';
import { expectNoTensorLeak } from '@lmreg/common/testing';
import { expect, it } from 'vitest';

import { NativeKernelError } from '../errors.js';
import { CLIP_SGD } from './optim.js';
import type { ClipSgdAttrs } from './optim.js';
import { isNativeKernelRegistered, registerNativeKernels, unregisterNativeKernels } from './register.js';
import { describeNative, maxRelativeError, random } from '../testing/kernels.js';

// LmregClipSgd against the composite it replaces (@lmreg/train's clipGradNorm + SgdOptimizer in
// stock tfjs ops, on the stock cpu kernels), over several steps with changing sets of variables
// that have a gradient (momentum buffers created on a variable's first step, kept otherwise).
// Tolerance: max |native - composite| <= 1e-5 * max(|composite|, 1) per tensor, and the norms
// within 1e-6 relative; the only difference is the order the norm's float32 partial sums are
// added in (one ulp of the clip coefficient at most). Without clipping the updates are the same
// float32 operations: equal bit for bit.

type Hyper = Omit<ClipSgdAttrs, 'count'>;

interface StepOutcome {
  norm: number;
  weights: Float32Array[];
  momenta: (Float32Array | undefined)[];
}

interface State {
  weights: Float32Array[];
  momenta: (Float32Array | undefined)[];
}

/** One step of the composite (clipGradNorm, then SGD per variable with a gradient) on stock kernels. */
function compositeStep(shapes: number[][], state: State, grads: (Float32Array | undefined)[], h: Hyper): StepOutcome {
  return expectNoTensorLeak(() => {
    const active = grads.flatMap((g, i) => (g === undefined ? [] : [i]));
    const out = tf.tidy(() => {
      const gs = active.map((i) => tf.tensor(grads[i] as Float32Array, shapes[i]));
      const squares = gs.map((g) => tf.sum(tf.square(g)));
      const norm = squares.length === 0 ? tf.scalar(0) : tf.sqrt(tf.addN(squares));
      const coef = h.maxNorm === Infinity ? undefined : tf.minimum(tf.div(tf.scalar(h.maxNorm), tf.add(norm, 1e-6)), 1);
      const weights: tf.Tensor[] = [];
      const momenta: tf.Tensor[] = [];
      active.forEach((i, k) => {
        const w = tf.tensor(state.weights[i] as Float32Array, shapes[i]);
        const g = coef === undefined ? (gs[k] as tf.Tensor) : tf.mul(gs[k] as tf.Tensor, coef);
        let d = h.weightDecay !== 0 ? tf.add(g, tf.mul(w, h.weightDecay)) : g;
        if (h.momentum !== 0) {
          const old = state.momenta[i];
          const buf =
            old === undefined ? tf.clone(d) : tf.add(tf.mul(tf.tensor(old, shapes[i]), h.momentum), h.dampening === 0 ? d : tf.mul(d, 1 - h.dampening));
          momenta.push(buf);
          d = h.nesterov ? tf.add(d, tf.mul(buf, h.momentum)) : buf;
        }
        weights.push(tf.sub(w, tf.mul(d, h.lr)));
      });
      return { norm, weights, momenta };
    });
    return read(out, active, state, h.momentum !== 0);
  });
}

/** The same step as one LmregClipSgd call (momentum buffers passed flat, as a checkpoint restores them). */
function nativeStep(shapes: number[][], state: State, grads: (Float32Array | undefined)[], h: Hyper): StepOutcome {
  return expectNoTensorLeak(() => {
    const active = grads.flatMap((g, i) => (g === undefined ? [] : [i]));
    const out = tf.tidy(() => {
      const inputs: tf.NamedTensorMap = {};
      active.forEach((i, k) => {
        inputs[`g${k}`] = tf.tensor(grads[i] as Float32Array, shapes[i]);
        inputs[`w${k}`] = tf.tensor(state.weights[i] as Float32Array, shapes[i]);
        const m = state.momenta[i];
        if (m !== undefined) inputs[`m${k}`] = tf.tensor1d(m);
      });
      const outputs = tf.engine().runKernel(CLIP_SGD, inputs, { count: active.length, ...h } as never) as tf.Tensor[];
      expect(outputs.length).toBe(1 + active.length * (h.momentum !== 0 ? 2 : 1));
      outputs.slice(1).forEach((t, k) => expect(t.shape).toEqual(shapes[active[k % active.length] as number]));
      const [norm, ...rest] = outputs;
      return { norm: norm as tf.Tensor, weights: rest.slice(0, active.length), momenta: rest.slice(active.length) };
    });
    return read(out, active, state, h.momentum !== 0);
  });
}

function read(out: { norm: tf.Tensor; weights: tf.Tensor[]; momenta: tf.Tensor[] }, active: number[], state: State, withMomentum: boolean): StepOutcome {
  const weights: Float32Array[] = state.weights.map((w) => w.slice());
  const momenta: (Float32Array | undefined)[] = state.momenta.map((m) => m?.slice());
  active.forEach((i, k) => {
    weights[i] = (out.weights[k] as tf.Tensor).dataSync() as Float32Array;
    if (withMomentum) momenta[i] = (out.momenta[k] as tf.Tensor).dataSync() as Float32Array;
  });
  const norm = out.norm.dataSync()[0] ?? Number.NaN;
  tf.dispose([out.norm, ...out.weights, ...out.momenta]);
  return { norm, weights, momenta };
}

/** {@link maxRelativeError}, 0 when both are missing (no momentum buffer yet). */
function maxScaledError(actual: Float32Array | undefined, expected: Float32Array | undefined): number {
  if (actual === undefined || expected === undefined) return actual === expected ? 0 : Number.POSITIVE_INFINITY;
  return maxRelativeError(actual, expected);
}

const hyperArbitrary: fc.Arbitrary<Hyper> = fc
  .record({
    lr: fc.constantFrom(0, 0.01, 0.1, 0.5, 1),
    momentum: fc.constantFrom(0, 0.5, 0.9, 0.99),
    weightDecay: fc.constantFrom(0, 5e-4, 0.1),
    dampening: fc.constantFrom(0, 0.1, 0.5),
    nesterov: fc.boolean(),
    maxNorm: fc.constantFrom(Infinity, 0.05, 1, 5, 1000),
  })
  .map((h) => (h.nesterov && (h.momentum === 0 || h.dampening !== 0) ? { ...h, nesterov: false } : h));

const caseArbitrary = fc.record({
  shapes: fc.array(fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 0, maxLength: 4 }), { minLength: 1, maxLength: 7 }),
  hyper: hyperArbitrary,
  // which variables have a gradient, per step
  masks: fc.array(fc.array(fc.boolean(), { minLength: 7, maxLength: 7 }), { minLength: 1, maxLength: 4 }),
  gradScale: fc.constantFrom(1e-3, 1, 100),
  seed: fc.integer({ min: 1, max: 1_000_000 }),
});

/** Runs the steps of a case with `step`; returns every step's outcome. */
type Case = { shapes: number[][]; hyper: Hyper; masks: boolean[][]; gradScale: number; seed: number };

function trajectory(c: Case, step: typeof compositeStep): StepOutcome[] {
  const sizes = c.shapes.map((s) => s.reduce((a, b) => a * b, 1));
  let state: State = { weights: sizes.map((n, i) => random(n, c.seed + i)), momenta: sizes.map(() => undefined) };
  return c.masks.map((mask, t) => {
    const grads = sizes.map((n, i) => (mask[i] === true ? random(n, c.seed * 31 + t * 7 + i).map((v) => v * c.gradScale) : undefined));
    const outcome = step(c.shapes, state, grads, c.hyper);
    state = outcome;
    return outcome;
  });
}

/** The case's steps with LmregClipSgd (`actual`) and on the composite with the stock kernels (`reference`). */
function bothTrajectories(c: Case): { actual: StepOutcome; reference: StepOutcome }[] {
  unregisterNativeKernels();
  const expected = trajectory(c, compositeStep);
  registerNativeKernels();
  return trajectory(c, nativeStep).map((actual, t) => ({ actual, reference: expected[t] as StepOutcome }));
}

describeNative(
  'fused clip + SGD update',
  () => {
    test.prop([caseArbitrary], { numRuns: 120 })(
      'LmregClipSgd follows the composite clip + SGD trajectory (norms 1e-6 relative, weights and momenta 1e-5 of their scale)',
      (c) => {
        bothTrajectories(c).forEach(({ actual: outcome, reference }, t) => {
          expect(Math.abs(outcome.norm - reference.norm), `step ${t} norm`).toBeLessThanOrEqual(1e-6 * Math.max(reference.norm, 1e-30));
          outcome.weights.forEach((w, i) => expect(maxScaledError(w, reference.weights[i]), `step ${t} weights ${i}`).toBeLessThanOrEqual(1e-5));
          outcome.momenta.forEach((m, i) => expect(maxScaledError(m, reference.momenta[i]), `step ${t} momentum ${i}`).toBeLessThanOrEqual(1e-5));
        });
      },
    );

    test.prop([caseArbitrary.map((c) => ({ ...c, hyper: { ...c.hyper, maxNorm: Infinity } }))], { numRuns: 60 })(
      'without clipping the updates equal the composite bit for bit',
      (c) => {
        bothTrajectories(c).forEach(({ actual: outcome, reference }, t) => {
          outcome.weights.forEach((w, i) => expect(Array.from(w), `step ${t} weights ${i}`).toEqual(Array.from(reference.weights[i] ?? [])));
          outcome.momenta.forEach((m, i) => {
            const r = reference.momenta[i];
            expect(m && Array.from(m), `step ${t} momentum ${i}`).toEqual(r && Array.from(r));
          });
        });
      },
    );

    it('propagates NaN gradients to every updated value, as the composite does', () => {
      registerNativeKernels();
      const h: Hyper = { lr: 0.1, momentum: 0.9, weightDecay: 5e-4, dampening: 0, nesterov: false, maxNorm: 5 };
      const state: State = { weights: [Float32Array.of(1, 2), Float32Array.of(3)], momenta: [undefined, undefined] };
      const outcome = nativeStep([[2], [1]], state, [Float32Array.of(Number.NaN, 1), Float32Array.of(1)], h);
      expect(outcome.norm).toBeNaN();
      for (const w of outcome.weights) for (const v of w) expect(v).toBeNaN();
    });

    it('is registered by registerNativeKernels; bad inputs and attrs name the problem; nothing leaks', () => {
      registerNativeKernels();
      expect(isNativeKernelRegistered(CLIP_SGD)).toBe(true);
      const attrs = { count: 1, lr: 0.1, momentum: 0.9, weightDecay: 0, dampening: 0, nesterov: false, maxNorm: 5 };
      expectNoTensorLeak(() =>
        tf.tidy(() => {
          const run = (inputs: tf.NamedTensorMap, a: Record<string, unknown> = attrs) => tf.engine().runKernel(CLIP_SGD, inputs, a as never);
          expect(() => run({ g0: tf.ones([3]), w0: tf.ones([4]) })).toThrow(/g0 has 3 values, w0 4/);
          expect(() => run({ g0: tf.ones([3]), w0: tf.ones([3]), m0: tf.ones([2]) })).toThrow(/m0 has 2 values/);
          expect(() => run({ g0: tf.ones([3], 'int32'), w0: tf.ones([3]) })).toThrow(/float32/);
          expect(() => run({ g0: tf.ones([3]) })).toThrow(/input w0/);
          expect(() => run({ g0: tf.ones([3]), w0: tf.ones([3]) }, { ...attrs, maxNorm: 0 })).toThrow(NativeKernelError);
          expect(() => run({ g0: tf.ones([3]), w0: tf.ones([3]) }, { ...attrs, lr: Number.NaN })).toThrow(/lr must be a finite number/);
          expect(() => run({ g0: tf.ones([3]), w0: tf.ones([3]) }, { ...attrs, count: -1 })).toThrow(/count/);
        }),
      );
      unregisterNativeKernels();
      expect(tf.getKernel(CLIP_SGD, 'cpu')).toBeUndefined();
    });
  },
  { notBuilt: CLIP_SGD },
);
