import { createRng, InvalidArchitectureError, InvalidArgumentError } from '@lmreg/common';
import { getSpace, hamming } from '@lmreg/spaces';
import type { Nb201Arch, SearchSpace } from '@lmreg/spaces';
import { describe, expect, it } from 'vitest';

import { createPredictorSampler } from './predictor.js';
import { createRandomSampler } from './random.js';
import { createSposSampler } from './spos.js';
import type { Sampler } from '../sampler/types.js';

const nb201 = getSpace<Nb201Arch>('nb201');
const convCount = (a: Nb201Arch): number => a.filter((op) => op === 'nor_conv_3x3').length;

/** A 16-architecture space (4 bits), to check behaviour when the budget exceeds the space. */
const tiny: SearchSpace<readonly number[]> = {
  name: 'tiny',
  size: 16n,
  mutationDistance: 1,
  encodingLength: 4,
  encodingBounds: [2, 2, 2, 2],
  sample: (rng) => [rng.int(2), rng.int(2), rng.int(2), rng.int(2)],
  mutate: (a, rng) => {
    const b = a.slice();
    const k = rng.int(4);
    b[k] = 1 - (b[k] as number);
    return b;
  },
  distance: hamming,
  encode: (a) => a.slice(),
  decode: (v) => v.slice(),
  format: (a) => a.join(''),
  parse: (text) => {
    if (!/^[01]{4}$/.test(text)) throw new InvalidArchitectureError('tiny', `expected 4 bits, got ${text}`);
    return [...text].map(Number);
  },
  key: (a) => a.join(''),
};

async function run<A>(sampler: Sampler<A>, space: SearchSpace<A>, seed: number, fitness: (a: A) => number, budget: number) {
  sampler.init({ space, rng: createRng(seed) });
  const calls: A[] = [];
  const proposals = await sampler.propose((a) => {
    calls.push(a);
    return fitness(a);
  }, budget);
  return { proposals, calls };
}

describe('options', () => {
  it('fill the documented defaults', () => {
    const options = (s: Sampler<Nb201Arch>) => {
      s.init({ space: nb201, rng: createRng(0) });
      return s.state().options;
    };
    expect(options(createRandomSampler())).toEqual({ budget: 1000 });
    expect(options(createSposSampler())).toEqual({ budget: 1000, population: 50, tournament: 10 });
    expect(options(createPredictorSampler())).toEqual({
      budget: 1000,
      initial: 10,
      batch: 10,
      parents: 5,
      mutations: 20,
      randomCandidates: 20,
      lambda: 0.1,
    });
  });

  it('reject unknown keys and bad values, naming the option', () => {
    expect(() => createSposSampler({ populaton: 10 } as never)).toThrow(/unknown option 'populaton'.*budget, population, tournament/);
    expect(() => createSposSampler({ population: 2.5 })).toThrow(/'population' of sampler 'spos' must be an integer >= 1/);
    expect(() => createSposSampler({ population: 5, tournament: 6 })).toThrow(/must not exceed 'population'/);
    expect(() => createRandomSampler({ budget: 0 })).toThrow(InvalidArgumentError);
    expect(() => createPredictorSampler({ lambda: 0 })).toThrow(/'lambda' of sampler 'predictor' must be a number > 0/);
  });

  it('travel with the state: loadState adopts the saved options', async () => {
    const a = createSposSampler<Nb201Arch>({ population: 10, tournament: 3 });
    a.init({ space: nb201, rng: createRng(1) });
    const expected = await a.propose(convCount, 40);
    const b = createSposSampler<Nb201Arch>();
    b.init({ space: nb201, rng: createRng(2) });
    b.loadState(JSON.parse(JSON.stringify(a.state())));
    expect(await b.propose(() => Number.NaN, 40)).toEqual(expected); // replayed entirely
  });
});

describe.each([
  ['random', () => createRandomSampler<readonly number[]>()],
  ['spos', () => createSposSampler<readonly number[]>({ population: 4, tournament: 2 })],
  ['predictor', () => createPredictorSampler<readonly number[]>({ initial: 4, batch: 2 })],
] as const)('%s on a space smaller than the budget', (_, make) => {
  it('caps the budget at the space size and terminates', async () => {
    const { proposals, calls } = await run(make(), tiny, 7, (a) => a.reduce((s, x) => s + x, 0), 1000);
    expect(calls.length).toBeLessThanOrEqual(16);
    expect(new Set(calls.map((a) => a.join(''))).size).toBe(calls.length);
    expect(proposals[0]?.arch).toEqual([1, 1, 1, 1]);
  });
});

describe('random', () => {
  it('evaluates exactly `budget` distinct architectures and returns the best first', async () => {
    const { proposals, calls } = await run(createRandomSampler<Nb201Arch>(), nb201, 3, convCount, 200);
    expect(calls.length).toBe(200);
    expect(proposals[0]?.fitness).toBe(Math.max(...calls.map(convCount)));
  });
});

describe('spos (regularized evolution)', () => {
  it('starts from `population` random architectures, then only evaluates one-mutation children', async () => {
    const { calls } = await run(createSposSampler<Nb201Arch>({ population: 10, tournament: 3 }), nb201, 4, convCount, 100);
    expect(calls.length).toBe(100);
    for (let i = 10; i < calls.length; i++) {
      const child = calls[i] as Nb201Arch;
      expect(calls.slice(0, i).some((earlier) => nb201.distance(earlier, child) === 1)).toBe(true);
    }
  });

  it('beats random search on an easy objective (same 30 seeds, budget 100)', async () => {
    let reaHits = 0;
    let randomHits = 0;
    let reaBest = 0;
    let randomBest = 0;
    for (let seed = 0; seed < 30; seed++) {
      const r = (await run(createSposSampler<Nb201Arch>({ population: 10, tournament: 3 }), nb201, seed, convCount, 100)).proposals[0]?.fitness ?? 0;
      const s = (await run(createRandomSampler<Nb201Arch>(), nb201, seed, convCount, 100)).proposals[0]?.fitness ?? 0;
      reaBest += r / 30;
      randomBest += s / 30;
      if (r === 6) reaHits++;
      if (s === 6) randomHits++;
    }
    expect(reaBest).toBeGreaterThan(randomBest + 0.8); // 5.23 vs 4.00 conv3x3 edges
    expect(reaHits).toBeGreaterThanOrEqual(5); // 10 of 30 find the all-conv3x3 cell
    expect(randomHits).toBeLessThanOrEqual(2); // P(one given cell in 100 draws) is 0.6 %
  });

  it('with tournament = 1 ignores fitness when choosing parents (a random walk of mutations)', async () => {
    const withFitness = await run(createSposSampler<Nb201Arch>({ population: 10, tournament: 1 }), nb201, 9, convCount, 100);
    const flipped = await run(createSposSampler<Nb201Arch>({ population: 10, tournament: 1 }), nb201, 9, (a) => -convCount(a), 100);
    expect(flipped.calls.map((a) => nb201.format(a))).toEqual(withFitness.calls.map((a) => nb201.format(a)));
  });
});

describe('predictor', () => {
  it('solves an additive objective within 100 queries on every seed (REA: 10 of 30)', async () => {
    let optimum = 0;
    for (let seed = 0; seed < 10; seed++) {
      const { proposals } = await run(createPredictorSampler<Nb201Arch>(), nb201, seed, convCount, 100);
      if (proposals[0]?.fitness === 6) optimum++;
    }
    expect(optimum).toBe(10);
  });
});
