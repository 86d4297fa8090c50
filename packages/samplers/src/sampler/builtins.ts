import { createGdasSampler, type GdasSamplerOptions } from '../gdas/gdas-sampler.js';
import { createNaoSampler, type NaoSamplerOptions } from '../nao/nao-sampler.js';
import { createPredictorSampler, type PredictorSamplerOptions } from '../samplers/predictor.js';
import { createRandomSampler, type RandomSamplerOptions } from '../samplers/random.js';
import { createSposSampler, type SposSamplerOptions } from '../samplers/spos.js';
import type { SamplerDefinition } from './types.js';

/**
 * The built-in samplers, registered lazily by the registry on its first call. Add an entry here
 * when a sampler is added to the package.
 */
export const BUILTIN_SAMPLERS: readonly SamplerDefinition[] = [
  {
    name: 'random',
    description: 'uniform single path; search = best of `budget` distinct random architectures',
    spaces: 'any',
    create: (options) => createRandomSampler(options as RandomSamplerOptions),
    capabilities: { searchesInsideSpace: true },
  },
  {
    name: 'spos',
    description: 'uniform single path; search = regularized evolution (population 50, tournament 10, budget 1000)',
    spaces: 'any',
    create: (options) => createSposSampler(options as SposSamplerOptions),
    capabilities: { searchesInsideSpace: true },
    optionsFor: ({ budget, population, tournament }) => ({
      budget,
      population: Math.min(population, budget),
      tournament: Math.min(tournament, population, budget),
    }),
  },
  {
    name: 'predictor',
    description: 'uniform single path; search = kernel-ridge predictor proposing mutations of the best',
    spaces: 'any',
    create: (options) => createPredictorSampler(options as PredictorSamplerOptions),
    capabilities: { searchesInsideSpace: true },
  },
  {
    name: 'gdas',
    description:
      'Gumbel-softmax architecture logits (hard one-hot path, straight-through gradient, tau 10 to 0.1); search = argmax then draws from the softmax',
    spaces: ['nb201', 'darts'],
    create: (options) => createGdasSampler(options as GdasSamplerOptions),
    capabilities: { architectureStep: 'weighted-forward', argmax: true },
  },
  {
    name: 'nao',
    description:
      'uniform single path; search = NAO (LSTM encoder, MLP predictor, LSTM decoder on tfjs; gradient steps on the embedding); propose needs a tfjs backend',
    spaces: 'any',
    create: (options) => createNaoSampler(options as NaoSamplerOptions),
    optionsFor: ({ budget }) => ({ budget, initial: Math.min(20, Math.max(1, Math.ceil(budget / 4))) }),
  },
];
