import { createRng, InvalidArgumentError } from '@lmreg/common';
import { fc, test } from '@fast-check/vitest';
import { expectNoTensorLeak } from '@lmreg/common/testing';
import { getSpace, type Nb201Arch } from '@lmreg/spaces';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';

import { ensureGradients } from '@lmreg/common/tf';

import { pairRankingLoss, samplePairs } from '../loss/ranking-loss.js';
import { createLambdaSchedule } from '../schedule/lambda-schedule.js';
import { createLandmarkTerm, restoreLandmarkTerm } from './landmark-term.js';

const nb201 = getSpace<Nb201Arch>('nb201');

beforeAll(async () => {
  ensureGradients();
  await tf.setBackend('cpu');
});

/** `n` distinct NB201 landmarks with the given metrics (by index). */
function landmarks(metrics: readonly number[], seed = 1): { architecture: Nb201Arch; metric: number }[] {
  const rng = createRng(seed);
  const seen = new Set<string>();
  const out: { architecture: Nb201Arch; metric: number }[] = [];
  while (out.length < metrics.length) {
    const a = nb201.sample(rng);
    if (seen.has(nb201.key(a))) continue;
    seen.add(nb201.key(a));
    out.push({ architecture: a, metric: metrics[out.length] as number });
  }
  return out;
}

const schedule = (lambdaMax = 10, warmupEpochs = 0) =>
  createLambdaSchedule({ schedule: 'constant', lambdaMax, totalEpochs: 4, warmupEpochs, stepsPerEpoch: 10, rampEpochs: 0 });

describe('createLandmarkTerm', () => {
  test.prop([fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 2, maxLength: 12 }), fc.integer({ min: 1, max: 4 }), fc.nat()])(
    'draws the same pairs as samplePairs over the landmarks in the order given, step after step',
    (metrics, m, seed) => {
      const given = landmarks(metrics.map((x) => x / 100));
      const term = createLandmarkTerm({ space: nb201, landmarks: given, schedule: schedule(), pairs: m, rng: createRng(seed) });
      const reference = createRng(seed);
      for (let step = 0; step < 5; step++) {
        const want = samplePairs(
          given.map((l) => l.metric),
          m,
          reference,
        );
        const got = term.at(1, step);
        if (want.length === 0) {
          expect(got).toBeUndefined();
          continue;
        }
        expect(got?.pairs.map((p) => [p.better, p.worse])).toEqual(want.map((p) => [p.better, p.worse]));
        for (const p of got?.pairs ?? []) {
          expect(p.betterArchitecture).toBe(given[p.better]?.architecture);
          expect(p.worseArchitecture).toBe(given[p.worse]?.architecture);
          expect(given[p.better]?.metric).toBeGreaterThan(given[p.worse]?.metric ?? Infinity);
        }
      }
    },
  );

  it('returns nothing while lambda is 0 (warm-up) and on skipped steps, without drawing pairs', () => {
    const given = landmarks([0.9, 0.8, 0.7]);
    const a = createLandmarkTerm({ space: nb201, landmarks: given, schedule: schedule(10, 1), every: 3, rng: createRng(5) });
    const b = createLandmarkTerm({ space: nb201, landmarks: given, schedule: schedule(10, 1), every: 3, rng: createRng(5) });
    for (let step = 0; step < 10; step++) expect(a.at(0, step)).toBeUndefined(); // warm-up epoch
    expect(a.at(1, 1)).toBeUndefined();
    expect(a.at(1, 2)).toBeUndefined();
    // a skipped those steps without touching its generator: its next pairs are b's first ones.
    expect(a.at(1, 3)?.pairs).toEqual(b.at(1, 0)?.pairs);
    expect(a.lambda(1, 1)).toBe(10);
    const zero = createLandmarkTerm({ space: nb201, landmarks: given, schedule: schedule(0), rng: createRng(5) });
    expect(zero.at(2, 0)).toBeUndefined();
  });

  test.prop([fc.array(fc.float({ min: 0, max: 5, noNaN: true }), { minLength: 3, maxLength: 3 }), fc.integer({ min: 1, max: 3 }), fc.nat()])(
    'loss is lambda times the summed pair penalties of the losses lossOf gives, better then worse, and leaks no tensors',
    (losses, m, seed) => {
      const given = landmarks([0.9, 0.5, 0.1]);
      const lossByKey = new Map(given.map((l, i) => [nb201.key(l.architecture), losses[i] as number]));
      const term = createLandmarkTerm({ space: nb201, landmarks: given, schedule: schedule(2.5), pairs: m, rng: createRng(seed) });
      const { step, calls, value } = expectNoTensorLeak(() => {
        const step = term.at(1, 0);
        expect(step?.lambda).toBe(2.5);
        const calls: string[] = [];
        const value = tf.tidy(
          () =>
            step
              ?.loss((arch) => {
                calls.push(nb201.key(arch));
                return tf.scalar(lossByKey.get(nb201.key(arch)) as number);
              })
              .dataSync()[0],
        );
        return { step, calls, value };
      });
      let want = 0;
      for (const p of step?.pairs ?? []) want += Math.max(0, (losses[p.better] as number) - (losses[p.worse] as number));
      expect(value).toBeCloseTo(2.5 * want, 4);
      expect(calls).toEqual((step?.pairs ?? []).flatMap((p) => [nb201.key(p.betterArchitecture), nb201.key(p.worseArchitecture)]));
    },
  );

  it("has a gradient that pushes the better landmark's loss down and the worse one's up", () => {
    const given = landmarks([0.9, 0.1]);
    const term = createLandmarkTerm({ space: nb201, landmarks: given, schedule: schedule(1), rng: createRng(0) });
    const step = term.at(1, 0);
    const better = tf.scalar(2);
    const worse = tf.scalar(1);
    expectNoTensorLeak(() => {
      const grads = tf.grads(
        (b: tf.Tensor, w: tf.Tensor) =>
          step?.loss((arch) => (nb201.key(arch) === nb201.key(given[0]?.architecture as Nb201Arch) ? (b as tf.Scalar) : (w as tf.Scalar))) ?? tf.scalar(0),
      )([better, worse]);
      expect(grads.map((g) => g.dataSync()[0])).toEqual([1, -1]);
      tf.dispose(grads);
    });
    tf.dispose([better, worse]);
  });

  it('softplus and gap weights reach the pair penalty', () => {
    const given = landmarks([0.9, 0.6, 0.1]);
    const term = createLandmarkTerm({
      space: nb201,
      landmarks: given,
      schedule: schedule(1),
      pairs: 2,
      rng: createRng(3),
      loss: { kind: 'softplus', beta: 2, weightByGap: true },
    });
    const step = term.at(1, 0);
    const value = tf.tidy(() => step?.loss(() => tf.scalar(0.5)).dataSync()[0]);
    const want = tf.tidy(() =>
      (step?.pairs ?? []).reduce(
        (s, p) => s + (pairRankingLoss(tf.scalar(0.5), tf.scalar(0.5), { kind: 'softplus', beta: 2, weight: p.weight }).dataSync()[0] as number),
        0,
      ),
    );
    expect(value).toBeCloseTo(want, 5);
  });

  it('resumes: a term restored from toJSON draws the same pairs as one that never stopped, landmarks added included', () => {
    const given = landmarks([0.9, 0.8, 0.7, 0.2]);
    const extra = landmarks([0.95, 0.5], 99);
    const make = () => createLandmarkTerm({ space: nb201, landmarks: given.slice(0, 3), schedule: schedule(), pairs: 2, rng: createRng(11) });
    const straight = make();
    const first = make();
    for (let s = 0; s < 4; s++) {
      straight.at(1, s);
      first.at(1, s);
    }
    for (const l of extra) {
      straight.add(l);
      first.add(l);
    }
    const saved = JSON.parse(JSON.stringify(first.toJSON())) as unknown;
    const resumed = restoreLandmarkTerm(make(), saved);
    expect(resumed.size).toBe(5);
    for (let s = 4; s < 10; s++) expect(resumed.at(1, s)?.pairs).toEqual(straight.at(1, s)?.pairs);
    expect(resumed.landmarks.groundTruth).toEqual([0.95, 0.9, 0.8, 0.7, 0.5]);
    expect(resumed.ordered.map((l) => l.metric)).toEqual([0.9, 0.8, 0.7, 0.95, 0.5]);
  });

  it('keeps landmarks unique by key and refuses bad options and foreign states with a message', () => {
    const given = landmarks([0.9, 0.8]);
    const term = createLandmarkTerm({ space: nb201, landmarks: given, schedule: schedule(), rng: createRng(1) });
    expect(term.add({ architecture: given[0]?.architecture as Nb201Arch, metric: 0.1 })).toBe(false);
    expect(term.size).toBe(2);
    expect(() => createLandmarkTerm({ space: nb201, landmarks: given, schedule: schedule(), pairs: 0, rng: createRng(1) })).toThrow(
      /pairs must be a positive integer/,
    );
    expect(() => createLandmarkTerm({ space: nb201, landmarks: given, schedule: schedule(), every: 1.5, rng: createRng(1) })).toThrow(InvalidArgumentError);
    expect(() => createLandmarkTerm({ space: nb201, landmarks: given, schedule: schedule(), rng: createRng(1), loss: { kind: 'hinge', margin: -1 } })).toThrow(
      /margin/,
    );
    expect(() =>
      createLandmarkTerm({
        space: nb201,
        landmarks: [{ architecture: given[0]?.architecture as Nb201Arch, metric: NaN }],
        schedule: schedule(),
        rng: createRng(1),
      }),
    ).toThrow(InvalidArgumentError);
    expect(() => restoreLandmarkTerm(term, { format: 'other' })).toThrow(/not a landmark-term state/);
    const other = createLandmarkTerm({ space: nb201, landmarks: landmarks([0.3, 0.2], 7), schedule: schedule(), rng: createRng(1) });
    expect(() => restoreLandmarkTerm(term, other.toJSON())).toThrow(/other landmarks/);
  });
});
