import { createRng, InvalidArgumentError } from '@lmreg/common';
import { fc, test } from '@fast-check/vitest';
import { getSpace, type Nb201Arch } from '@lmreg/spaces';
import { describe, expect, it } from 'vitest';

import { createLambdaSchedule } from '../schedule/lambda-schedule.js';
import { createLandmarkTerm } from '../term/landmark-term.js';
import { runRounds, type RoundRecord } from './run-rounds.js';

const nb201 = getSpace<Nb201Arch>('nb201');

/** A deterministic fake world: `count` distinct architectures, each with a "true" metric. */
function world(count: number, seed: number): { archs: Nb201Arch[]; truth: (a: Nb201Arch) => number } {
  const rng = createRng(seed);
  const archs: Nb201Arch[] = [];
  const seen = new Set<string>();
  while (archs.length < count) {
    const a = nb201.sample(rng);
    if (!seen.has(nb201.key(a))) {
      seen.add(nb201.key(a));
      archs.push(a);
    }
  }
  const metric = new Map(archs.map((a, i) => [nb201.key(a), ((i * 7919) % count) / count]));
  return { archs, truth: (a) => metric.get(nb201.key(a)) ?? NaN };
}

function makeTerm(landmarks: { architecture: Nb201Arch; metric: number }[]) {
  const schedule = createLambdaSchedule({ schedule: 'constant', lambdaMax: 1, totalEpochs: 3, stepsPerEpoch: 1, rampEpochs: 0 });
  return createLandmarkTerm({ space: nb201, landmarks, schedule, rng: createRng(0) });
}

describe('runRounds (Algorithm 1)', () => {
  test.prop([fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 5 }), fc.nat(1000)])(
    'trains every round in order and, after each but the last, adds the best M proposals that are neither landmarks nor held out',
    async (rounds, perRound, seed) => {
      const { archs, truth } = world(40, seed);
      const initial = archs.slice(0, 3).map((a) => ({ architecture: a, metric: truth(a) }));
      const heldOut = archs.slice(3, 8);
      const term = makeTerm(initial);
      const events: string[] = [];
      const trained: string[] = [];
      const records = await runRounds({
        rounds,
        perRound,
        space: nb201,
        term,
        exclude: heldOut,
        trainRound: async (r) => {
          events.push(`train ${r}`);
        },
        // The search proposes everything, held-out and landmarks included, best fitness first.
        propose: async (r) => {
          events.push(`propose ${r}`);
          return archs.map((a, i) => ({ arch: a, fitness: 1 - i / archs.length }));
        },
        trainAlone: (a) => {
          trained.push(nb201.key(a));
          return truth(a);
        },
      });
      const expectedEvents = Array.from({ length: rounds }, (_, r) => (r < rounds - 1 ? [`train ${r}`, `propose ${r}`] : [`train ${r}`])).flat();
      expect(events).toEqual(expectedEvents);
      expect(records.map((r) => r.round)).toEqual(Array.from({ length: rounds - 1 }, (_, r) => r));
      // Each round takes the next M architectures after the initial landmarks and the held-out ones.
      const added = records.flatMap((r) => r.added.map((a) => a.arch));
      expect(added).toEqual(archs.slice(8, 8 + perRound * (rounds - 1)).map((a) => nb201.format(a)));
      expect(trained).toEqual(archs.slice(8, 8 + perRound * (rounds - 1)).map((a) => nb201.key(a)));
      expect(term.size).toBe(3 + perRound * (rounds - 1));
      for (const r of records) for (const a of r.added) expect(a.groundTruth).toBe(truth(nb201.parse(a.arch)));
    },
  );

  it('resumes between rounds: finished rounds are neither proposed nor trained again', async () => {
    const { archs, truth } = world(30, 1);
    const initial = archs.slice(0, 3).map((a) => ({ architecture: a, metric: truth(a) }));
    const propose = async () => archs.map((a, i) => ({ arch: a, fitness: -i }));
    const full = await runRounds({
      rounds: 3,
      perRound: 2,
      space: nb201,
      term: makeTerm(initial),
      trainRound: async () => undefined,
      propose,
      trainAlone: truth,
    });
    // A run killed after round 0: its term got round 0's landmarks back from its checkpoint.
    const resumedTerm = makeTerm(initial);
    for (const a of full[0]?.added ?? []) resumedTerm.add({ architecture: nb201.parse(a.arch), metric: a.groundTruth });
    const proposed: number[] = [];
    const saved: RoundRecord[][] = [];
    const resumed = await runRounds({
      rounds: 3,
      perRound: 2,
      space: nb201,
      term: resumedTerm,
      done: full.slice(0, 1),
      trainRound: async () => undefined,
      propose: async (r) => {
        proposed.push(r);
        return propose();
      },
      trainAlone: truth,
      onRound: (_, all) => {
        saved.push([...all]);
      },
    });
    expect(proposed).toEqual([1]);
    expect(resumed).toEqual(full);
    expect(saved).toEqual([full]);
  });

  it('the baseline (no term) trains every round and records nothing', async () => {
    const trainedRounds: number[] = [];
    const records = await runRounds({
      rounds: 3,
      perRound: 2,
      space: nb201,
      trainRound: async (r) => {
        trainedRounds.push(r);
      },
      propose: () => Promise.reject(new Error('not called')),
      trainAlone: () => {
        throw new Error('not called');
      },
    });
    expect(trainedRounds).toEqual([0, 1, 2]);
    expect(records).toEqual([]);
  });

  it('refuses bad counts and out-of-order records', async () => {
    const base = { space: nb201, trainRound: async () => undefined, propose: async () => [], trainAlone: () => 0 };
    await expect(runRounds({ ...base, rounds: 0, perRound: 1 })).rejects.toThrow(InvalidArgumentError);
    await expect(runRounds({ ...base, rounds: 2, perRound: 1.5 })).rejects.toThrow(/perRound must be a positive integer/);
    await expect(runRounds({ ...base, rounds: 2, perRound: 1, done: [{ round: 1, added: [] }] })).rejects.toThrow(/in order/);
  });
});
