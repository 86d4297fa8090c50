import { createRng } from '@lmreg/common';
import { getSampler, getSamplerDefinition, type Sampler } from '@lmreg/samplers';
import type { RestrictedSpace, SearchSpace } from '@lmreg/spaces';

import type { GroundTruthTable, Network, LabelledBatch, StandaloneResult } from '@lmreg/train';
import { evaluate } from '@lmreg/train';

import type { SamplerSearchResult } from './search-result.js';
import type { SearchConfig } from '../config/search-config.js';

/**
 * A fresh sampler of `config.sampler` from the registry, with the options its definition derives
 * from the run's search size (`optionsFor`; default `{ budget }`). Any registered sampler works.
 */
export function createRunSampler(config: SearchConfig): Sampler<unknown> {
  const definition = getSamplerDefinition(config.sampler);
  const { budget, population, tournament } = config.search;
  return getSampler(config.sampler, definition.optionsFor?.({ budget, population, tournament }) ?? { budget });
}

/** The options of a variant that the searches on its super-net need. */
export interface SearchContext {
  config: SearchConfig;
  space: SearchSpace<unknown>;
  evalBatches: readonly LabelledBatch[];
  /** Trains an architecture alone (or looks its result up); `index` of `count` trained in a row. */
  trainAlone: (arch: unknown, index: number, count: number) => StandaloneResult | Promise<StandaloneResult>;
  /**
   * Trains these architectures alone at once (e.g. as one batch of queue jobs, so that several
   * workers train them together); the `trainAlone` calls that follow then find their results.
   * Absent: `trainAlone` trains them one after another.
   */
  trainAloneMany?: (archs: readonly unknown[]) => Promise<void>;
  knownTruth: (arch: unknown) => number | undefined;
  table?: GroundTruthTable;
}

/**
 * `sampler.propose` with super-net accuracy as fitness. With a ground-truth table the search runs
 * on a copy of the sampler (SPOS/random initialised on the table's architectures, so they evolve
 * inside it), and every architecture a sampler generates outside it (GDAS samples, NAO decodings) is
 * projected onto the nearest table row (`RestrictedSpace.nearest`) before it is evaluated, so every
 * proposal has a ground truth. Proposals are distinct, best first.
 */
export async function proposeOnSupernet(
  o: SearchContext,
  sampler: Sampler<unknown>,
  net: Network<unknown>,
  options: { fresh: boolean },
): Promise<{ arch: unknown; fitness: number }[]> {
  const { config, space } = o;
  const members: RestrictedSpace<unknown> | undefined = o.table?.searchSpace;
  let searcher = sampler;
  if (members !== undefined || options.fresh) {
    // A copy of the sampler (same learned state, no stale fitness values); the run's own sampler is untouched.
    searcher = createRunSampler(config);
    // Samplers whose searches stay inside their space (SPOS, random) search the table's restricted
    // space; the others (GDAS, NAO) generate architectures of the whole space (their distributions
    // and decoders know no table), projected below.
    const inside = members !== undefined && getSamplerDefinition(config.sampler).capabilities?.searchesInsideSpace === true;
    searcher.init({ space: inside ? members : space, rng: createRng(config.seed ^ 0x5eed) });
    searcher.loadState({ ...sampler.state(), evaluated: [] });
  }
  const project = (arch: unknown): unknown => (members === undefined ? arch : members.nearest(arch));
  const memo = new Map<string, number>();
  const fitness = (arch: unknown): number => {
    const a = project(arch);
    const k = space.key(a);
    let f = memo.get(k);
    if (f === undefined) {
      f = evaluate(net, a, o.evalBatches).accuracy;
      memo.set(k, f);
    }
    return f;
  };
  // Inside a table there are only so many distinct architectures to evaluate.
  const budget = members === undefined ? config.search.budget : Math.min(config.search.budget, members.members.length);
  const proposals = await searcher.propose(fitness, budget);
  const seen = new Set<string>();
  const out: { arch: unknown; fitness: number }[] = [];
  for (const p of proposals) {
    const a = project(p.arch);
    const k = space.key(a);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push({ arch: a, fitness: fitness(a) });
  }
  return out.sort((x, y) => y.fitness - x.fitness);
}

/** Runs the sampler's search with super-net accuracy as fitness and reports the best proposals. */
export async function searchSupernet(o: SearchContext, sampler: Sampler<unknown>, net: Network<unknown>): Promise<SamplerSearchResult> {
  const { config, space } = o;
  const proposals = await proposeOnSupernet(o, sampler, net, { fresh: false });
  const top = proposals.slice(0, config.search.top);
  const trainCount = Math.min(config.search.trainTop, top.length);
  if (trainCount > 0) await o.trainAloneMany?.(top.slice(0, trainCount).map((p) => p.arch));
  for (let i = 0; i < trainCount; i++) await o.trainAlone((top[i] as { arch: unknown }).arch, i, trainCount);
  const argmaxOf = getSamplerDefinition(config.sampler).capabilities?.argmax === true ? (sampler as { argmaxArch?: () => unknown }).argmaxArch : undefined;
  return {
    sampler: sampler.name,
    evaluated: proposals.length,
    top: top.map((p) => {
      const truth = o.knownTruth(p.arch);
      const rank = o.table === undefined || truth === undefined ? undefined : o.table.rankOf(p.arch);
      return {
        arch: space.format(p.arch),
        supernetAccuracy: p.fitness,
        ...(truth === undefined ? {} : { groundTruth: truth }),
        ...(rank === undefined ? {} : { rank }),
      };
    }),
    ...(typeof argmaxOf === 'function' ? { argmax: space.format(argmaxOf.call(sampler)) } : {}),
  };
}
