import { InvalidArgumentError, NotRegisteredError } from '@lmreg/common';

import { createGdasSampler } from '../gdas/gdas-sampler.js';
import type { GdasSamplerOptions } from '../gdas/gdas-sampler.js';
import { createNaoSampler } from '../nao/nao-sampler.js';
import type { NaoSamplerOptions } from '../nao/nao-sampler.js';
import { createPredictorSampler } from '../samplers/predictor.js';
import type { PredictorSamplerOptions } from '../samplers/predictor.js';
import { createRandomSampler } from '../samplers/random.js';
import type { RandomSamplerOptions } from '../samplers/random.js';
import { createSposSampler } from '../samplers/spos.js';
import type { SposSamplerOptions } from '../samplers/spos.js';
import type { Sampler, SamplerDefinition } from './types.js';

const definitions = new Map<string, SamplerDefinition>();
let builtinsLoaded = false;

const BUILTINS: readonly SamplerDefinition[] = [
  {
    name: 'random',
    description: 'uniform single path; search = best of `budget` distinct random architectures',
    spaces: 'any',
    create: (options) => createRandomSampler(options as RandomSamplerOptions),
  },
  {
    name: 'spos',
    description: 'uniform single path; search = regularized evolution (population 50, tournament 10, budget 1000)',
    spaces: 'any',
    create: (options) => createSposSampler(options as SposSamplerOptions),
  },
  {
    name: 'predictor',
    description: 'uniform single path; search = kernel-ridge predictor proposing mutations of the best',
    spaces: 'any',
    create: (options) => createPredictorSampler(options as PredictorSamplerOptions),
  },
  {
    name: 'gdas',
    description: 'Gumbel-softmax architecture logits (hard one-hot path, straight-through gradient, tau 10 to 0.1); search = argmax then draws from the softmax',
    spaces: ['nb201'],
    create: (options) => createGdasSampler(options as GdasSamplerOptions),
  },
  {
    name: 'nao',
    description:
      'uniform single path; search = NAO (LSTM encoder, MLP predictor, LSTM decoder on tfjs; gradient steps on the embedding); propose needs a tfjs backend',
    spaces: 'any',
    create: (options) => createNaoSampler(options as NaoSamplerOptions),
  },
];

function ensureBuiltins(): void {
  if (builtinsLoaded) return;
  builtinsLoaded = true;
  for (const definition of BUILTINS) registerSampler(definition);
}

/**
 * Registers a sampler under `definition.name`. Registering a name twice throws
 * `InvalidArgumentError` unless `replace` is set. Registered samplers run the shared contract suite.
 */
export function registerSampler(definition: SamplerDefinition, options: { replace?: boolean } = {}): void {
  ensureBuiltins();
  if (definition === null || typeof definition !== 'object' || typeof definition.name !== 'string' || definition.name === '' || typeof definition.create !== 'function') {
    throw new InvalidArgumentError('registerSampler needs { name, description, spaces, create(options) }.');
  }
  if (!options.replace && definitions.has(definition.name)) {
    throw new InvalidArgumentError(`a sampler named '${definition.name}' is already registered; pick another name or pass { replace: true }.`);
  }
  definitions.set(definition.name, definition);
}

/**
 * A new, uninitialised sampler of the registered kind `name`, e.g.
 * `getSampler<Nb201Arch>('spos', { population: 10, tournament: 3 })`. Throws `NotRegisteredError`
 * listing the known names, or `InvalidArgumentError` on bad options.
 */
export function getSampler<A = unknown>(name: string, options?: Readonly<Record<string, unknown>>): Sampler<A> {
  return getSamplerDefinition(name).create(options) as Sampler<A>;
}

/** The registry entry of `name` (description, supported spaces, factory). Throws `NotRegisteredError`. */
export function getSamplerDefinition(name: string): SamplerDefinition {
  ensureBuiltins();
  const found = definitions.get(name);
  if (found === undefined) throw new NotRegisteredError('sampler', name, listSamplers());
  return found;
}

/** Names of all registered samplers, in registration order. */
export function listSamplers(): string[] {
  ensureBuiltins();
  return [...definitions.keys()];
}
