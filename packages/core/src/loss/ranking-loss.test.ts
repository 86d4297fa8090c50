import '@tensorflow/tfjs-backend-cpu';
import { createRng, InvalidArgumentError } from '@lmreg/common';
import { fc, test } from '@fast-check/vitest';
import { useTensorLeakCheck } from '@lmreg/common/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { ensureGradients } from '@lmreg/common/tf';

import { landmarkRankingLoss, pairRankingLoss, rankingPairs, type RankingLossOptions, sampledRankingLoss, samplePairs } from './ranking-loss.js';

beforeAll(async () => {
  expect(await tf.setBackend('cpu')).toBe(true);
  expect(ensureGradients()).toBe(true);
});
useTensorLeakCheck({ beforeEach, afterEach });

/** Runs the loss and its gradient w.r.t. the losses tensor; disposes everything it made. */
function lossAndGrad(losses: readonly number[], truth: readonly number[], options?: RankingLossOptions): { value: number; grad: number[] } {
  const x = tf.tensor1d(losses.slice());
  const { value, grad } = tf.valueAndGrad((l: tf.Tensor) => landmarkRankingLoss(l as tf.Tensor1D, truth, options))(x);
  const out = { value: value.dataSync()[0] as number, grad: Array.from(grad.dataSync()) };
  tf.dispose([x, value, grad]);
  return out;
}

/** Plain-number reference of Eq. 4 with the options applied. */
function reference(losses: readonly number[], truth: readonly number[], o: RankingLossOptions = {}): number {
  const range = Math.max(...truth) - Math.min(...truth);
  let total = 0;
  let count = 0;
  for (let i = 0; i < truth.length; i++) {
    for (let j = 0; j < truth.length; j++) {
      const gi = truth[i] as number;
      const gj = truth[j] as number;
      if (!(gi > gj)) continue;
      const d = (losses[i] as number) - (losses[j] as number);
      const beta = o.beta ?? 1;
      let t = o.kind === 'softplus' ? Math.log1p(Math.exp(beta * d)) / beta : Math.max(0, (o.margin ?? 0) + d);
      if (o.weightByGap === true) t *= (gi - gj) / range;
      total += t;
      count++;
    }
  }
  return o.reduction === 'mean' && count > 0 ? total / count : total;
}

const lossValue = fc.double({ min: -5, max: 5, noNaN: true, noDefaultInfinity: true });
const landmarks = fc.integer({ min: 0, max: 8 }).chain((m) =>
  fc.record({
    losses: fc.array(lossValue, { minLength: m, maxLength: m }),
    truth: fc.array(
      fc.integer({ min: 0, max: 6 }).map((v) => 85 + v),
      { minLength: m, maxLength: m },
    ),
  }),
);
const options: fc.Arbitrary<RankingLossOptions> = fc.oneof(
  fc.constant({}),
  fc.record({ kind: fc.constant('hinge' as const), margin: fc.double({ min: 0, max: 2, noNaN: true }) }),
  fc.record({ kind: fc.constant('softplus' as const), beta: fc.double({ min: 0.1, max: 10, noNaN: true }) }),
  fc.record({ weightByGap: fc.constant(true), reduction: fc.constantFrom('sum' as const, 'mean' as const) }),
);

describe('landmarkRankingLoss', () => {
  it('penalises a misordered pair and pushes the better landmark down, the worse one up', () => {
    // landmark 0 is better (93 > 90) but has the higher super-net loss.
    const { value, grad } = lossAndGrad([1.5, 0.5], [93, 90]);
    expect(value).toBeCloseTo(1, 6);
    expect(grad).toEqual([1, -1]); // gradient descent lowers L_0 and raises L_1
  });

  it('is exactly zero with zero gradient when the order already holds (hinge)', () => {
    const { value, grad } = lossAndGrad([0.2, 0.7, 1.1], [94, 91, 85]);
    expect(value).toBe(0);
    expect(grad).toEqual([0, 0, 0]);
  });

  it('sums Eq. 4 over all pairs with the right gradient', () => {
    // order by truth: 2 (95) > 0 (90) > 1 (80); losses 0.9, 0.4, 1.0: every pair misordered.
    const { value, grad } = lossAndGrad([0.9, 0.4, 1.0], [90, 80, 95]);
    expect(value).toBeCloseTo(0.5 + 0.1 + 0.6, 5);
    expect(grad[0]).toBeCloseTo(1 - 1, 6); // better than 1, worse than 2
    expect(grad[1]).toBeCloseTo(-2, 6);
    expect(grad[2]).toBeCloseTo(2, 6);
  });

  it('gives no pair for tied ground truth', () => {
    expect(lossAndGrad([3, 0], [90, 90])).toEqual({ value: 0, grad: [0, 0] });
    expect(lossAndGrad([], [])).toEqual({ value: 0, grad: [] });
  });

  it('offers margin hinge, softplus with temperature and gap weighting', () => {
    expect(lossAndGrad([0.5, 0.7], [2, 1], { margin: 0.5 }).value).toBeCloseTo(0.3, 6);
    const sp = lossAndGrad([0.5, 0.7], [2, 1], { kind: 'softplus', beta: 4 });
    expect(sp.value).toBeCloseTo(Math.log1p(Math.exp(-0.8)) / 4, 6);
    expect(sp.grad[0]).toBeCloseTo(1 / (1 + Math.exp(0.8)), 6);
    // gaps 10 and 5 out of a range of 10
    const w = lossAndGrad([1, 0, 0.5], [100, 90, 95], { weightByGap: true });
    expect(w.value).toBeCloseTo(1 * 1 + 0.5 * 0.5 + 0.5 * 0.5, 6);
  });

  test.prop([landmarks, options], { numRuns: 60 })('matches a plain-number reference of Eq. 4', ({ losses, truth }, o) => {
    const { value } = lossAndGrad(losses, truth, o);
    const expected = reference(losses, truth, o);
    expect(Math.abs(value - expected)).toBeLessThanOrEqual(1e-4 * (1 + Math.abs(expected)));
  });

  test.prop([landmarks, options], { numRuns: 60 })('is non-negative', ({ losses, truth }, o) => {
    expect(lossAndGrad(losses, truth, o).value).toBeGreaterThanOrEqual(0);
  });

  test.prop([landmarks], { numRuns: 60 })('hinge is zero iff every pair is correctly ordered', ({ losses, truth }) => {
    const x = losses.map((v) => Math.fround(v));
    const ordered = rankingPairs(truth).every((p) => (x[p.better] as number) <= (x[p.worse] as number));
    const { value, grad } = lossAndGrad(x, truth);
    expect(value === 0).toBe(ordered);
    if (ordered) expect(grad.every((g) => g === 0)).toBe(true);
  });

  test.prop([landmarks, options, fc.integer()], { numRuns: 60 })('the full sum is invariant under permuting the landmarks', ({ losses, truth }, o, seed) => {
    const order = createRng(seed).shuffle(losses.map((_, i) => i));
    const a = lossAndGrad(losses, truth, o).value;
    const b = lossAndGrad(
      order.map((i) => losses[i] as number),
      order.map((i) => truth[i] as number),
      o,
    ).value;
    expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(a)));
  });

  it('rejects bad input with typed errors that name the problem', () => {
    const x = tf.tensor1d([1, 2]);
    expect(() => landmarkRankingLoss(x, [1])).toThrow(/2 entries but groundTruth has 1/);
    expect(() => landmarkRankingLoss(x, [1, Number.NaN])).toThrow(/groundTruth\[1\]/);
    expect(() => landmarkRankingLoss([1, 2] as unknown as tf.Tensor1D, [1, 2])).toThrow(InvalidArgumentError);
    expect(() => landmarkRankingLoss(x, [1, 2], { kind: 'softplus', margin: 1 })).toThrow(/margin only applies/);
    expect(() => landmarkRankingLoss(x, [1, 2], { beta: 2 })).toThrow(/beta only applies/);
    expect(() => landmarkRankingLoss(x, [1, 2], { kind: 'softplus', beta: 0 })).toThrow(/beta must be/);
    expect(() => landmarkRankingLoss(x, [1, 2], { margin: -1 })).toThrow(/margin must be/);
    expect(() => landmarkRankingLoss(x, [1, 2], { kind: 'logistic' as 'hinge' })).toThrow(/options.kind/);
    expect(() => landmarkRankingLoss(x, [1, 2], { temperature: 1 } as RankingLossOptions)).toThrow(/unknown option 'temperature'/);
    const m = tf.tensor2d([[1, 2]]);
    expect(() => landmarkRankingLoss(m as unknown as tf.Tensor1D, [1, 2])).toThrow(/1-D/);
    tf.dispose([x, m]);
  });
});

describe('samplePairs', () => {
  test.prop([fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 8 }), fc.nat({ max: 20 }), fc.integer()])(
    'returns m (better, worse) pairs with better metric, reproducibly from the seed',
    (truth, m, seed) => {
      const pairs = samplePairs(truth, m, createRng(seed));
      expect(pairs).toEqual(samplePairs(truth, m, createRng(seed)));
      const anyPair = rankingPairs(truth).length > 0;
      expect(pairs).toHaveLength(anyPair ? m : 0);
      for (const p of pairs) {
        expect(truth[p.better] as number).toBeGreaterThan(truth[p.worse] as number);
        expect(p.weight).toBeGreaterThan(0);
        expect(p.weight).toBeLessThanOrEqual(1);
      }
    },
  );

  it('draws uniformly over the untied pairs i < j (chi-square)', () => {
    const truth = [5, 1, 4, 4, 2, 3]; // 15 pairs, one tie -> 14 pairs
    const pairs = rankingPairs(truth);
    expect(pairs).toHaveLength(14);
    const n = 14_000;
    const counts = new Map<string, number>();
    for (const p of samplePairs(truth, n, createRng(7))) counts.set(`${p.better},${p.worse}`, (counts.get(`${p.better},${p.worse}`) ?? 0) + 1);
    expect(counts.size).toBe(14);
    const expected = n / 14;
    let chi2 = 0;
    for (const c of counts.values()) chi2 += (c - expected) ** 2 / expected;
    expect(chi2).toBeLessThan(13 + 5 * Math.sqrt(26));
  });

  it('rejects a bad m', () => {
    expect(() => samplePairs([1, 2], -1, createRng(1))).toThrow(InvalidArgumentError);
    expect(() => samplePairs([1, 2], 1.5, createRng(1))).toThrow(/m must be/);
  });
});

describe('sampledRankingLoss', () => {
  test.prop([landmarks, fc.integer()], { numRuns: 15 })('its mean over sampled pairs estimates the full mean (Eq. 6 vs Eq. 4)', ({ losses, truth }, seed) => {
    const pairs = rankingPairs(truth);
    fc.pre(pairs.length > 0);
    const x = tf.tensor1d(losses);
    const full = landmarkRankingLoss(x, truth, { reduction: 'mean' });
    const m = 4000;
    const sampled = sampledRankingLoss(x, truth, m, createRng(seed), { reduction: 'mean' });
    const terms = pairs.map((p) => Math.max(0, (losses[p.better] as number) - (losses[p.worse] as number)));
    const mean = terms.reduce((a, b) => a + b, 0) / terms.length;
    const variance = terms.reduce((a, b) => a + (b - mean) ** 2, 0) / terms.length;
    const f = full.dataSync()[0] as number;
    expect(f).toBeCloseTo(mean, 4);
    expect(Math.abs((sampled.dataSync()[0] as number) - f)).toBeLessThanOrEqual(6 * Math.sqrt(variance / m) + 1e-4);
    tf.dispose([x, full, sampled]);
  });

  it('sums the m sampled pair terms and differentiates through them', () => {
    const x = tf.tensor1d([1, 0]);
    const { value, grad } = tf.valueAndGrad((l: tf.Tensor) => sampledRankingLoss(l as tf.Tensor1D, [9, 1], 3, createRng(1)))(x);
    expect(value.dataSync()[0]).toBeCloseTo(3, 6);
    expect(Array.from(grad.dataSync())).toEqual([3, -3]);
    tf.dispose([x, value, grad]);
  });
});

describe('pairRankingLoss', () => {
  it('scores separately computed landmark losses, with gradients to both paths', () => {
    const better = tf.scalar(2);
    const worse = tf.scalar(0.5);
    const g = tf.grads((b: tf.Tensor, w: tf.Tensor) => pairRankingLoss(b, w, { weight: 0.5 }));
    const [gb, gw] = g([better, worse]);
    expect(gb?.dataSync()[0]).toBeCloseTo(0.5, 6);
    expect(gw?.dataSync()[0]).toBeCloseTo(-0.5, 6);
    const loss = pairRankingLoss(better, worse, { weight: 0.5 });
    expect(loss.dataSync()[0]).toBeCloseTo(0.75, 6);
    const ordered = pairRankingLoss(worse, better);
    expect(ordered.dataSync()[0]).toBe(0);
    tf.dispose([better, worse, gb, gw, loss, ordered]);
  });

  it('agrees with the full loss on the sampled pairs, batched', () => {
    const truth = [91, 88, 93.5, 90];
    const losses = [0.8, 0.3, 1.2, 0.9];
    const pairs = samplePairs(truth, 6, createRng(3));
    const b = tf.tensor1d(pairs.map((p) => losses[p.better] as number));
    const w = tf.tensor1d(pairs.map((p) => losses[p.worse] as number));
    const viaPairs = pairRankingLoss(b, w, { kind: 'softplus', beta: 2, weight: pairs.map((p) => p.weight), reduction: 'mean' });
    const x = tf.tensor1d(losses);
    const viaSampler = sampledRankingLoss(x, truth, 6, createRng(3), { kind: 'softplus', beta: 2, weightByGap: true, reduction: 'mean' });
    expect(viaPairs.dataSync()[0]).toBeCloseTo(viaSampler.dataSync()[0] as number, 5);
    tf.dispose([b, w, x, viaPairs, viaSampler]);
  });

  it('rejects mismatched shapes, bad weights and weightByGap', () => {
    const a = tf.tensor1d([1, 2]);
    const s = tf.scalar(1);
    expect(() => pairRankingLoss(a, s)).toThrow(/must match/);
    expect(() => pairRankingLoss(a, a, { weight: [1] })).toThrow(/one weight per pair/);
    expect(() => pairRankingLoss(a, a, { weight: [1, Number.NaN] })).toThrow(/weight\[1\]/);
    expect(() => pairRankingLoss(a, a, { weightByGap: true })).toThrow(/samplePairs/);
    expect(() => pairRankingLoss(a, 3 as unknown as tf.Tensor)).toThrow(InvalidArgumentError);
    tf.dispose([a, s]);
  });
});
