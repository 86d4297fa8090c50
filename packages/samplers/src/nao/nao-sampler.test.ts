import '@tensorflow/tfjs-backend-cpu';

import { createRng } from '@lmreg/common';
import { expectNoTensorLeak } from '@lmreg/common/testing';
import { getSpace, restrictSpace } from '@lmreg/spaces';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import { fc, test } from '@fast-check/vitest';

import { getSampler } from '../sampler/registry.js';
import type { Proposal, SamplerState } from '../sampler/types.js';
import { createNaoSampler } from './nao-sampler.js';
import { rankScaled } from './nao-search.js';

const space = getSpace('nb201');
/** Number of 3x3 convolutions in the cell: a smooth fitness the predictor can learn. */
const fitness = (arch: unknown): number => (arch as string[]).filter((op) => op === 'nor_conv_3x3').length + 0.01 * (arch as string[]).indexOf('skip_connect');
const options = { initial: 8, perRound: 4, random: 1, seeds: 6, hidden: 8, trainSteps: 15 };
const summary = (ps: Proposal<unknown>[]): [string, number][] => ps.map((p) => [space.format(p.arch), p.fitness]);

beforeAll(async () => {
  expect(await tf.setBackend('cpu')).toBe(true);
});

describe('nao sampler (encoder / predictor / decoder on tfjs)', () => {
  it('proposes distinct architectures within the budget, reproducibly, without leaking tensors', async () => {
    const { calls, first } = await expectNoTensorLeak(async () => {
      const a = createNaoSampler(options);
      a.init({ space, rng: createRng(4) });
      const calls: string[] = [];
      const first = await a.propose((arch) => {
        calls.push(space.format(arch));
        return fitness(arch);
      }, 18);
      return { calls, first };
    });
    expect(calls.length).toBe(18);
    expect(new Set(calls).size).toBe(18);
    for (let i = 1; i < first.length; i++) expect((first[i] as Proposal<unknown>).fitness).toBeLessThanOrEqual((first[i - 1] as Proposal<unknown>).fitness);
    const b = createNaoSampler(options);
    b.init({ space, rng: createRng(4) });
    expect(summary(await b.propose(fitness, 18))).toEqual(summary(first));
  }, 120_000);

  it('continues identically from a state saved mid-search, without leaking tensors', async () => {
    await expectNoTensorLeak(async () => {
      const a = createNaoSampler(options);
      a.init({ space, rng: createRng(8) });
      let saved = '';
      let n = 0;
      const expected = await a.propose((arch) => {
        if (n++ === 12) saved = JSON.stringify(a.state());
        return fitness(arch);
      }, 18);
      const b = createNaoSampler();
      b.init({ space, rng: createRng(1) });
      b.loadState(JSON.parse(saved) as SamplerState);
      const calls: string[] = [];
      const continued = await b.propose((arch) => {
        calls.push(space.format(arch));
        return fitness(arch);
      }, 18);
      expect(summary(continued)).toEqual(summary(expected));
      expect(calls.length).toBe(18 - 12);
    });
  }, 120_000);

  it('is the registry entry nao: getSampler gives the same search as createNaoSampler', async () => {
    await expectNoTensorLeak(async () => {
      const direct = createNaoSampler(options);
      const registered = getSampler('nao', options);
      direct.init({ space, rng: createRng(2) });
      registered.init({ space, rng: createRng(2) });
      expect(registered.name).toBe('nao');
      expect(summary(await registered.propose(fitness, 14))).toEqual(summary(await direct.propose(fitness, 14)));
      expect(registered.state()).toEqual(direct.state());
    });
  }, 120_000);

  it('stays inside a restricted space (the rows of a table): decoded non-members are misses', async () => {
    await expectNoTensorLeak(async () => {
      const memberRng = createRng(11);
      const restricted = restrictSpace(
        space,
        Array.from({ length: 40 }, () => space.sample(memberRng)),
      );
      const sampler = getSampler('nao', options);
      sampler.init({ space: restricted, rng: createRng(3) });
      const proposals = await sampler.propose(fitness, 25);
      expect(proposals.length).toBe(Math.min(25, restricted.members.length));
      for (const p of proposals) expect(restricted.has(p.arch)).toBe(true);
    });
  }, 120_000);

  it('searches spaces whose decoder can produce invalid vectors (nb101), proposing only valid cells', async () => {
    await expectNoTensorLeak(async () => {
      const nb101 = getSpace('nb101');
      const sampler = getSampler('nao', { ...options, trainSteps: 5 });
      sampler.init({ space: nb101, rng: createRng(5) });
      const proposals = await sampler.propose((arch) => nb101.encode(arch).reduce((a, b) => a + b, 0), 20);
      expect(proposals.length).toBe(20);
      for (const p of proposals) expect(nb101.decode(nb101.encode(p.arch))).toEqual(p.arch);
    });
  }, 120_000);

  it("runs NAO's own variant too (min-max targets, first new cell per seed), reproducibly, without leaking tensors", async () => {
    await expectNoTensorLeak(async () => {
      const own = { ...options, rankTargets: 0, rankCandidates: 0 };
      const run = async (): Promise<[string, number][]> => {
        const sampler = getSampler('nao', own);
        sampler.init({ space, rng: createRng(6) });
        return summary(await sampler.propose(fitness, 16));
      };
      const first = await run();
      expect(new Set(first.map(([a]) => a)).size).toBe(16);
      expect(await run()).toEqual(first);
    });
  }, 120_000);

  it('learns: on a smooth fitness its default search beats random search from the same seeds', async () => {
    await expectNoTensorLeak(async () => {
      let nao = 0;
      let random = 0;
      for (let seed = 0; seed < 4; seed++) {
        const a = getSampler('nao', { hidden: 8, trainSteps: 30 });
        a.init({ space, rng: createRng(seed) });
        nao += (await a.propose(fitness, 45))[0]?.fitness ?? 0;
        const r = getSampler('random');
        r.init({ space, rng: createRng(seed) });
        random += (await r.propose(fitness, 45))[0]?.fitness ?? 0;
      }
      expect(nao).toBeGreaterThan(random);
    });
  }, 240_000);
});

describe('rankScaled (the predictor targets of rankTargets: 1)', () => {
  test.prop([fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 1, maxLength: 40 })])('keeps the order, ties share a value, spans [0, 1]', (values) => {
    const r = rankScaled(values);
    expect(r.length).toBe(values.length);
    for (let i = 0; i < values.length; i++) {
      for (let j = 0; j < values.length; j++) {
        const [vi, vj, ri, rj] = [values[i] as number, values[j] as number, r[i] as number, r[j] as number];
        if (vi < vj) expect(ri).toBeLessThan(rj);
        if (vi === vj) expect(ri).toBe(rj);
      }
    }
    for (const x of r) expect(x >= 0 && x <= 1).toBe(true);
    if (new Set(values).size === values.length && values.length > 1) {
      expect(Math.min(...r)).toBe(0);
      expect(Math.max(...r)).toBe(1);
    }
  });
});
