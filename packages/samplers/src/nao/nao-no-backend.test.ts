// No tfjs backend is imported in this file (vitest runs each test file in its own module graph):
// this is what a caller who forgot to set one up sees.
import { createRng } from '@lmreg/common';
import { getSpace } from '@lmreg/spaces';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';

import { TfjsBackendError } from '../sampler/errors.js';
import { getSampler } from '../sampler/registry.js';

describe('nao without a tfjs backend', () => {
  it('creates, trains paths and saves state, but propose says how to set up a backend before evaluating anything', async () => {
    expect(tf.engine().backendNames()).toEqual([]);
    const space = getSpace('nb201');
    const sampler = getSampler('nao', { budget: 30 });
    sampler.init({ space, rng: createRng(0) });
    expect(space.format(sampler.pathForBatch(3))).toBe(space.format(sampler.pathForBatch(3)));
    const calls: unknown[] = [];
    const proposing = sampler.propose((arch) => {
      calls.push(arch);
      return 1;
    });
    await expect(proposing).rejects.toThrow(TfjsBackendError);
    await expect(proposing).rejects.toThrow(/no tfjs backend is ready .*import '@tensorflow\/tfjs-backend-cpu'.*tf\.setBackend\('cpu'\)/);
    await expect(proposing).rejects.toMatchObject({ code: 'LMREG_TFJS_BACKEND' });
    expect(calls).toEqual([]);
    expect(sampler.state().evaluated).toEqual([]);
  });
});
