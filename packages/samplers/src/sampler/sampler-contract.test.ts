/**
 * The shared contract every registered sampler passes on every space it declares ('any' = every
 * registered space). A sampler added to the registry is picked up here automatically, with its
 * default options unless {@link CONTRACT_OPTIONS} gives cheaper ones. Samplers that train a model
 * with tfjs (`nao`) run on the CPU backend; every test checks that no tensor is leaked.
 */
import '@tensorflow/tfjs-backend-cpu';

import { createRng, InvalidArgumentError } from '@lmreg/common';
import { fc, test } from '@fast-check/vitest';
import { useTensorLeakCheck } from '@lmreg/common/testing';
import { getSpace, listSpaces } from '@lmreg/spaces';
import type { AnySearchSpace } from '@lmreg/spaces';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { SamplerLifecycleError } from './errors.js';
import { getSampler, getSamplerDefinition, listSamplers } from './registry.js';
import type { Proposal, Sampler } from './types.js';

const BUDGET = 60;

/**
 * Cheap options for samplers whose defaults are too slow for a test (every assertion still runs).
 * NAO: a tiny model (hidden 4, one Adam step per round) and rounds of 10 decoded + 10 random cells
 * after 20 random ones, so a budget of 60 runs two to four model rounds and a state saved after
 * 30 evaluations is in the middle of one.
 */
const CONTRACT_OPTIONS: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  nao: { initial: 20, perRound: 10, random: 10, seeds: 10, hidden: 4, trainSteps: 1 },
};

beforeAll(async () => {
  expect(await tf.setBackend('cpu')).toBe(true);
});

useTensorLeakCheck({ beforeEach, afterEach });

it('contract options name registered samplers', () => {
  for (const name of Object.keys(CONTRACT_OPTIONS)) expect(listSamplers()).toContain(name);
});

/** A deterministic, arbitrary-looking fitness in [0, 100): FNV-1a of the formatted architecture. */
function syntheticFitness(space: AnySearchSpace): (arch: unknown) => number {
  return (arch) => {
    let h = 0x811c9dc5;
    for (const ch of space.format(arch)) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193);
    return ((h >>> 0) % 100000) / 1000;
  };
}

/** Wraps a fitness to record every call. */
function counting(space: AnySearchSpace, fitness: (arch: unknown) => number) {
  const calls: string[] = [];
  return {
    calls,
    evaluate: (arch: unknown): number => {
      calls.push(space.format(arch));
      return fitness(arch);
    },
  };
}

const summary = (space: AnySearchSpace, proposals: Proposal<unknown>[]) => proposals.map((p) => [space.format(p.arch), p.fitness]);

function started(name: string, space: AnySearchSpace, seed: number): Sampler {
  const sampler = getSampler(name, CONTRACT_OPTIONS[name]);
  sampler.init({ space, rng: createRng(seed) });
  return sampler;
}

const cases = listSamplers().flatMap((name) => {
  const declared = getSamplerDefinition(name).spaces;
  return (declared === 'any' ? listSpaces() : declared).map((space) => [name, space] as const);
});

describe.each(cases)('sampler %s on space %s satisfies the contract', (name, spaceName) => {
  const space: AnySearchSpace = getSpace(spaceName);
  const fitness = syntheticFitness(space);
  const large = space.size >= BigInt(10 * BUDGET);

  test.prop([fc.integer()], { numRuns: 5 })('pathForBatch is a reproducible function of the seed and the step', (seed) => {
    const a = started(name, space, seed);
    const b = started(name, space, seed);
    const steps = [0, 1, 2, 3, 7, 1000, 2 ** 40, 3, 0];
    const pathsA = steps.map((s) => space.format(a.pathForBatch(s)));
    expect(steps.map((s) => space.format(b.pathForBatch(s)))).toEqual(pathsA);
    expect(pathsA[0]).toBe(pathsA[8]); // asking again for a step gives the same path
    for (const s of steps) {
      const arch = a.pathForBatch(s);
      expect(space.decode(space.encode(arch))).toEqual(arch);
      expect(space.parse(space.format(arch))).toEqual(arch);
    }
    if (large) {
      const other = started(name, space, seed + 1);
      expect(steps.map((s) => space.format(other.pathForBatch(s)))).not.toEqual(pathsA);
      expect(new Set(pathsA).size).toBeGreaterThan(3); // steps get different paths
    }
  });

  it('proposes valid members, ranked, within the budget, never evaluating twice', async () => {
    const { calls, evaluate } = counting(space, fitness);
    const proposals = await started(name, space, 11).propose(evaluate, BUDGET);
    expect(calls.length).toBeLessThanOrEqual(BUDGET);
    if (large) expect(calls.length).toBe(BUDGET);
    expect(new Set(calls).size).toBe(calls.length);
    expect(proposals.length).toBe(calls.length);
    expect(new Set(proposals.map((p) => space.format(p.arch)))).toEqual(new Set(calls));
    for (let i = 0; i < proposals.length; i++) {
      const p = proposals[i] as Proposal<unknown>;
      expect(space.decode(space.encode(p.arch))).toEqual(p.arch);
      expect(space.parse(space.format(p.arch))).toEqual(p.arch);
      expect(p.fitness).toBe(fitness(p.arch));
      if (i > 0) expect(p.fitness).toBeLessThanOrEqual((proposals[i - 1] as Proposal<unknown>).fitness);
    }
  });

  it('is reproducible from the seed, with sync or async fitness', async () => {
    const first = await started(name, space, 5).propose(fitness, BUDGET);
    const again = await started(name, space, 5).propose(async (arch) => Promise.resolve(fitness(arch)), BUDGET);
    expect(summary(space, again)).toEqual(summary(space, first));
    if (large) {
      const other = await started(name, space, 6).propose(fitness, BUDGET);
      expect(summary(space, other)).not.toEqual(summary(space, first));
    }
  });

  it('continues identically from a state saved mid-search (through JSON)', async () => {
    const original = started(name, space, 21);
    let snapshot = '';
    const stopAt = Math.floor(BUDGET / 2);
    const { calls: originalCalls, evaluate } = counting(space, fitness);
    const expected = await original.propose((arch) => {
      if (originalCalls.length === stopAt) snapshot = JSON.stringify(original.state());
      return evaluate(arch);
    }, BUDGET);
    const saved = JSON.parse(snapshot) as ReturnType<Sampler['state']>;
    expect(saved.evaluated.length).toBe(stopAt);

    const resumed = started(name, space, 999); // a different seed: the state must win
    resumed.loadState(saved);
    const { calls, evaluate: evaluateResumed } = counting(space, fitness);
    const continued = await resumed.propose(evaluateResumed, BUDGET);
    expect(summary(space, continued)).toEqual(summary(space, expected));
    expect(calls).toEqual(originalCalls.slice(stopAt)); // only the evaluations that were missing
    expect(resumed.state()).toEqual(original.state());
    for (const step of [0, 5, 123456]) expect(space.format(resumed.pathForBatch(step))).toBe(space.format(original.pathForBatch(step)));
  });

  it('replays a finished search without evaluating again', async () => {
    const sampler = started(name, space, 3);
    const first = await sampler.propose(fitness, BUDGET);
    const { calls, evaluate } = counting(space, fitness);
    expect(summary(space, await sampler.propose(evaluate, BUDGET))).toEqual(summary(space, first));
    expect(calls).toEqual([]);
  });

  it('throws typed errors on misuse', async () => {
    const fresh = getSampler(name, CONTRACT_OPTIONS[name]);
    expect(() => fresh.pathForBatch(0)).toThrow(SamplerLifecycleError);
    await expect(fresh.propose(fitness, 5)).rejects.toThrow(SamplerLifecycleError);
    expect(() => fresh.state()).toThrow(SamplerLifecycleError);
    const sampler = started(name, space, 1);
    expect(() => sampler.pathForBatch(-1)).toThrow(InvalidArgumentError);
    expect(() => sampler.pathForBatch(1.5)).toThrow(InvalidArgumentError);
    await expect(sampler.propose(fitness, 0)).rejects.toThrow(InvalidArgumentError);
    await expect(sampler.propose(() => Number.NaN, 5)).rejects.toThrow(/finite number/);
    expect(() => sampler.loadState({ ...sampler.state(), sampler: 'nope' })).toThrow(InvalidArgumentError);
    expect(() => sampler.loadState(JSON.parse('{"format":"x"}') as ReturnType<Sampler['state']>)).toThrow(InvalidArgumentError);
    expect(() => sampler.loadState({ ...sampler.state(), evaluated: [['not an architecture', 1]] })).toThrow(InvalidArgumentError);
  });
});
