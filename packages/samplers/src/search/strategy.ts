import type { Rng } from '@lmreg/common';
import type { SearchSpace } from '@lmreg/spaces';

import type { BudgetedEvaluator } from '../internal/budgeted-evaluator.js';

/** What a search strategy gets: the space, its own generator, and the budgeted, caching fitness. */
export interface SearchContext<A> {
  readonly space: SearchSpace<A>;
  readonly rng: Rng;
  readonly evaluator: BudgetedEvaluator<A>;
}

/**
 * Consecutive draws that hit only already-evaluated architectures before a strategy gives up on
 * the rest of its budget (only reachable in spaces barely larger than the budget).
 */
export function stallLimit(budget: number): number {
  return 1000 + 50 * budget;
}

/**
 * Evaluates random architectures until `count` distinct ones (or the budget) are reached. Returns
 * the number of new architectures evaluated.
 */
export async function evaluateRandom<A>(context: SearchContext<A>, count: number): Promise<number> {
  const { space, rng, evaluator } = context;
  const limit = stallLimit(evaluator.used + evaluator.remaining);
  let added = 0;
  let stall = 0;
  while (added < count && evaluator.remaining > 0 && stall < limit) {
    const arch = space.sample(rng);
    if (evaluator.has(arch)) {
      stall++;
      continue;
    }
    stall = 0;
    await evaluator.evaluate(arch);
    added++;
  }
  return added;
}

/** Random search: `budget` distinct uniformly sampled architectures. */
export async function randomSearch<A>(context: SearchContext<A>): Promise<void> {
  await evaluateRandom(context, context.evaluator.remaining);
}
