import { createRng, InvalidArgumentError, NotRegisteredError } from '@lmreg/common';
import { getSpace } from '@lmreg/spaces';
import { describe, expect, it } from 'vitest';

import { createRandomSampler } from '../samplers/random.js';
import { getSampler, getSamplerDefinition, listSamplers, registerSampler } from './registry.js';

describe('sampler registry', () => {
  it('lists the built-in samplers, each supporting any space', () => {
    expect(listSamplers().slice(0, 3)).toEqual(['random', 'spos', 'predictor']);
    for (const name of ['random', 'spos', 'predictor']) expect(getSamplerDefinition(name).spaces).toBe('any');
  });

  it('makes a new, independent sampler on every getSampler call, with options', () => {
    const a = getSampler('spos', { population: 10, tournament: 3 });
    const b = getSampler('spos');
    expect(a).not.toBe(b);
    a.init({ space: getSpace('nb201'), rng: createRng(0) });
    expect(a.state().options).toEqual({ budget: 1000, population: 10, tournament: 3 });
    expect(() => getSampler('spos', { tournament: 0 })).toThrow(InvalidArgumentError);
  });

  it('names the known samplers when a name is unknown', () => {
    expect(() => getSampler('nao')).toThrow(NotRegisteredError);
    expect(() => getSampler('nao')).toThrow(/unknown sampler 'nao'. Registered samplers: random, spos, predictor, gdas/);
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
});
