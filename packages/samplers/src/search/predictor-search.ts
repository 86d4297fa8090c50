import type { Proposal } from '../sampler/types.js';
import { fitKernelRidge, quadraticMatchKernel } from '../internal/kernel-ridge.js';
import { evaluateRandom, stallLimit } from './strategy.js';
import type { SearchContext } from './strategy.js';

/** Settings of {@link predictorSearch}. */
export interface PredictorSettings {
  /** Random architectures evaluated before the predictor is first fitted. */
  readonly initial: number;
  /** Architectures evaluated per round (the best predicted candidates). */
  readonly batch: number;
  /** Number of best evaluated architectures whose mutations form the candidate pool. */
  readonly parents: number;
  /** Mutated candidates per parent per round (one or two mutations each). */
  readonly mutations: number;
  /** Uniformly sampled candidates added to the pool per round. */
  readonly randomCandidates: number;
  /** Ridge penalty (on standardised fitness). */
  readonly lambda: number;
}

/**
 * Predictor-guided search (NAO-style, on a fitness that is cheap to query): `initial` random
 * architectures; then each round fits kernel ridge regression on the encodings of everything
 * evaluated so far (quadratic kernel = ridge on one-hot op features plus pairwise interactions),
 * builds a pool from one- and two-step mutations of the `parents` best architectures plus random
 * ones, and evaluates the `batch` unevaluated candidates with the highest predicted fitness.
 */
export async function predictorSearch<A>(context: SearchContext<A>, settings: PredictorSettings): Promise<void> {
  const { space, rng, evaluator } = context;
  await evaluateRandom(context, settings.initial);
  const limit = stallLimit(evaluator.used + evaluator.remaining);
  let stall = 0;
  while (evaluator.remaining > 0 && stall < limit) {
    const history = evaluator.history();
    const predict = fitKernelRidge(
      history.map((p) => space.encode(p.arch)),
      history.map((p) => p.fitness),
      quadraticMatchKernel,
      settings.lambda,
    );
    const ranked: Proposal<A>[] = evaluator.ranked();
    const pool = new Map<string, A>();
    const offer = (arch: A): void => {
      if (!evaluator.has(arch)) pool.set(space.format(arch), arch);
    };
    for (const parent of ranked.slice(0, settings.parents)) {
      for (let j = 0; j < settings.mutations; j++) {
        const child = space.mutate(parent.arch, rng);
        offer(rng.int(2) === 0 ? child : space.mutate(child, rng));
      }
    }
    for (let j = 0; j < settings.randomCandidates; j++) offer(space.sample(rng));
    if (pool.size === 0) {
      stall++;
      continue;
    }
    stall = 0;
    const scored = [...pool.values()].map((arch, order) => ({ arch, order, score: predict(space.encode(arch)) }));
    scored.sort((x, y) => y.score - x.score || x.order - y.order);
    for (const { arch } of scored.slice(0, Math.min(settings.batch, evaluator.remaining))) {
      await evaluator.evaluate(arch);
    }
  }
}
