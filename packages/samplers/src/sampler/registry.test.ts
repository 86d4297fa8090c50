import { createRng, InvalidArgumentError, NotRegisteredError } from '@lmreg/common';
import { getSpace } from '@lmreg/spaces';
import { describe, expect, it } from 'vitest';

import { createRandomSampler } from '../samplers/random.js';
import { getSampler, getSamplerDefinition, listSamplers, registerSampler } from './registry.js';

describe('sampler registry', () => {
  it('lists the built-in samplers with the spaces they support', () => {
    expect(listSamplers().slice(0, 5)).toEqual(['random', 'spos', 'predictor', 'gdas', 'nao']);
    for (const name of ['random', 'spos', 'predictor', 'nao']) expect(getSamplerDefinition(name).spaces).toBe('any');
    expect(getSamplerDefinition('gdas').spaces).toEqual(['nb201', 'darts']);
  });

  it('makes a new, independent sampler on every getSampler call, with options', () => {
    const a = getSampler('spos', { population: 10, tournament: 3 });
    const b = getSampler('spos');
    expect(a).not.toBe(b);
    a.init({ space: getSpace('nb201'), rng: createRng(0) });
    expect(a.state().options).toEqual({ budget: 1000, population: 10, tournament: 3 });
    expect(() => getSampler('spos', { tournament: 0 })).toThrow(InvalidArgumentError);
  });

  it('validates nao options at creation, naming the bad option', () => {
    const nao = getSampler('nao', { budget: 40, initial: 10, hidden: 8 });
    nao.init({ space: getSpace('nb201'), rng: createRng(0) });
    expect(nao.state().options).toEqual({
      budget: 40,
      initial: 10,
      perRound: 10,
      random: 5,
      seeds: 20,
      pool: 100,
      hidden: 8,
      trainSteps: 50,
      stepSize: 1,
      lr: 0.01,
      rankTargets: 1,
      rankCandidates: 1,
    });
    expect(() => getSampler('nao', { rankTargets: 2 })).toThrow(/option 'rankTargets' of sampler 'nao' must be an integer >= 0 and <= 1/);
    expect(() => getSampler('nao', { lr: 0 })).toThrow(/option 'lr' of sampler 'nao' must be a number > 0/);
    expect(() => getSampler('nao', { hidden: 0 })).toThrow(InvalidArgumentError);
    expect(() => getSampler('nao', { hidden: 0 })).toThrow(/option 'hidden' of sampler 'nao' must be an integer >= 1/);
    expect(() => getSampler('nao', { stepSize: 0 })).toThrow(/option 'stepSize' of sampler 'nao' must be a number > 0/);
    expect(() => getSampler('nao', { initial: 2.5 })).toThrow(/option 'initial'/);
    expect(() => getSampler('nao', { hiden: 8 })).toThrow(/unknown option 'hiden' for sampler 'nao'; its options are: budget, initial, perRound/);
    expect(() => getSampler('nao', 'fast' as never)).toThrow(/options of sampler 'nao' must be an object/);
  });

  it('names the known samplers when a name is unknown', () => {
    expect(() => getSampler('naoo')).toThrow(NotRegisteredError);
    expect(() => getSampler('naoo')).toThrow(/unknown sampler 'naoo'. Registered samplers: random, spos, predictor, gdas, nao/);
  });

  it('registers user samplers, refusing duplicates unless replace is set', () => {
    const definition = { name: 'my-random', description: 'test', spaces: ['nb201'], create: () => createRandomSampler() };
    registerSampler(definition);
    expect(listSamplers()).toContain('my-random');
    expect(getSampler('my-random').name).toBe('random');
    expect(() => registerSampler(definition)).toThrow(/already registered/);
    expect(() => registerSampler(definition, { replace: true })).not.toThrow();
    expect(() => registerSampler({ name: '' } as never)).toThrow(InvalidArgumentError);
  });

  it('built-in definitions declare what their samplers can do, and optionsFor gives options their factory accepts', () => {
    const size = { budget: 12, population: 20, tournament: 30 };
    for (const name of ['random', 'spos', 'predictor', 'gdas', 'nao']) {
      const definition = getSamplerDefinition(name);
      const sampler = getSampler(name, definition.optionsFor?.(size) ?? { budget: size.budget }) as { stepArchitecture?: unknown; argmaxArch?: unknown };
      expect(typeof sampler.stepArchitecture === 'function', name).toBe(definition.capabilities?.architectureStep !== undefined);
      expect(typeof sampler.argmaxArch === 'function', name).toBe(definition.capabilities?.argmax === true);
    }
    expect(getSamplerDefinition('spos').optionsFor?.(size)).toEqual({ budget: 12, population: 12, tournament: 12 });
    expect(getSamplerDefinition('gdas').capabilities?.architectureStep).toBe('weighted-forward');
    expect(getSamplerDefinition('spos').capabilities?.searchesInsideSpace).toBe(true);
    expect(getSamplerDefinition('nao').capabilities?.searchesInsideSpace).not.toBe(true);
  });
});
