import { resolveNumberOptions } from '../internal/options.js';
import type { NumberOptionSpec } from '../internal/options.js';
import type { Sampler } from '../sampler/types.js';
import { UniformPathSampler } from '../sampler/uniform-sampler.js';
import { naoSearch } from './nao-search.js';

/** Options of the `nao` sampler. */
export interface NaoSamplerOptions {
  /** Default budget of `propose`. Default 100. */
  readonly budget?: number;
  /** Random architectures evaluated first. Default 20. */
  readonly initial?: number;
  /** New architectures decoded from moved embeddings per round. Default 10. */
  readonly perRound?: number;
  /** Random architectures added per round. Default 5. */
  readonly random?: number;
  /** Best evaluated architectures whose embeddings are moved each round. Default 20. */
  readonly seeds?: number;
  /** Best evaluated architectures kept in the model's training pool, besides the last round's new and random ones. Default 100 (the notes' top-100). */
  readonly pool?: number;
  /** Embedding and LSTM width. Default 16. */
  readonly hidden?: number;
  /** Full-batch Adam steps training the model each round (the model carries over between rounds). Default 50. */
  readonly trainSteps?: number;
  /** First step along the predictor's gradient (doubled until the decoded cell is new). Default 1. */
  readonly stepSize?: number;
  /** Adam learning rate of the model. Default 0.01 (the notes' 1e-3 with 1,000-epoch training; see the README). */
  readonly lr?: number;
  /** 1: train the predictor on the fitness ranks within the pool (scaled to [0, 1]); 0: on min-max scaled fitness (NAO's own). Default 1. */
  readonly rankTargets?: number;
  /** 1: up to `seeds` candidates, every new cell decoded at any step size from the best seeds first, and the `perRound` the predictor scores highest are evaluated; 0: the first new cell of each seed, best seeds first (NAO's own). Default 1. */
  readonly rankCandidates?: number;
}

const SPECS: Readonly<Record<string, NumberOptionSpec>> = {
  budget: { default: 100, integer: true, min: 1 },
  initial: { default: 20, integer: true, min: 1 },
  perRound: { default: 10, integer: true, min: 1 },
  random: { default: 5, integer: true, min: 0 },
  seeds: { default: 20, integer: true, min: 1 },
  pool: { default: 100, integer: true, min: 1 },
  hidden: { default: 16, integer: true, min: 1 },
  trainSteps: { default: 50, integer: true, min: 1 },
  stepSize: { default: 1, integer: false, min: 0, exclusiveMin: true },
  lr: { default: 0.01, integer: false, min: 0, exclusiveMin: true },
  rankTargets: { default: 1, integer: true, min: 0, max: 1 },
  rankCandidates: { default: 1, integer: true, min: 0, max: 1 },
};

/**
 * Creates the `nao` sampler: uniform single path while training (NAO's landmark term only touches
 * super-net weights); `propose` runs a small Neural Architecture Optimization (Luo et al. 2018):
 * LSTM encoder with an L2-normalised embedding, MLP predictor, LSTM decoder, trained on the
 * fitness of everything evaluated (0.8 MSE + 0.2 reconstruction NLL, Adam), one model trained further
 * each round; new candidates by gradient steps on the best architectures' embeddings, decoded
 * greedily, the predictor's best-scored ones evaluated (`rankCandidates`); each round adds
 * `random` random architectures; the model trains on the pool of the top `pool` (100) evaluated
 * architectures plus the last round's new and random ones, as in the notes. Smaller than the
 * paper's model (hidden 16, one layer). Registered as `getSampler('nao', options)`; options are
 * validated at creation (`InvalidArgumentError` naming the bad option). Works on every space: a
 * decoded vector the space rejects (e.g. an invalid NB101 cell) counts as a miss.
 *
 * `propose` needs a tfjs backend set up by the caller (e.g. `import '@tensorflow/tfjs-backend-cpu'`
 * and `await tf.setBackend('cpu')`); without one it throws `TfjsBackendError` before evaluating
 * anything. `pathForBatch`, `state` and `loadState` need no backend. All tensors are freed.
 */
export function createNaoSampler<A = unknown>(options: NaoSamplerOptions = {}): Sampler<A> {
  return new UniformPathSampler<A>(
    'nao',
    (raw) => resolveNumberOptions('nao', SPECS, raw),
    (context, o) =>
      naoSearch(context, {
        initial: o['initial'] as number,
        perRound: o['perRound'] as number,
        random: o['random'] as number,
        seeds: o['seeds'] as number,
        pool: o['pool'] as number,
        hidden: o['hidden'] as number,
        trainSteps: o['trainSteps'] as number,
        stepSize: o['stepSize'] as number,
        lr: o['lr'] as number,
        rankTargets: o['rankTargets'] as number,
        rankCandidates: o['rankCandidates'] as number,
      }),
    options,
  );
}
