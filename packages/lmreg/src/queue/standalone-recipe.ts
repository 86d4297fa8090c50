import { getSpace, type SearchSpace } from '@lmreg/spaces';
import {
  defaultAugmentation,
  disposeBatches,
  getNetworkBuilder,
  makeEvalBatches,
  seedFor,
  trainStandalone,
  type DatasetSplit,
  type LabelledBatch,
  type NetworkShape,
  type StandaloneResult,
} from '@lmreg/train';
import type { z } from 'zod';

import { loadRunData } from '../cli/run-data.js';
import { searchConfigSchema, type SearchConfig } from '../config/search-config.js';

/**
 * The fields of a search config that decide its stand-alone trainings (data, subsets, network
 * shape, recipe, seed): what a `standalone` queue job carries, validated by the worker.
 */
export const standaloneJobRecipeSchema = searchConfigSchema.pick({
  space: true,
  dataset: true,
  dataDir: true,
  imageSize: true,
  trainSubset: true,
  testSubset: true,
  seed: true,
  channels: true,
  cells: true,
  augment: true,
  standalone: true,
});

/** The stand-alone recipe and data reference of a search (see {@link standaloneJobRecipeSchema}). */
export type StandaloneJobRecipe = z.infer<typeof standaloneJobRecipeSchema>;

/** The stand-alone recipe of a search config (its other fields do not change a stand-alone result). */
export function standaloneRecipeOf(config: SearchConfig): StandaloneJobRecipe {
  return {
    space: config.space,
    dataset: config.dataset,
    ...(config.dataDir === undefined ? {} : { dataDir: config.dataDir }),
    imageSize: config.imageSize,
    trainSubset: config.trainSubset,
    testSubset: config.testSubset,
    seed: config.seed,
    channels: config.channels,
    cells: config.cells,
    augment: config.augment,
    standalone: config.standalone,
  };
}

/**
 * What the stand-alone jobs of one recipe share: the search's training subset and its test
 * batches (tensors, loaded once). Made by {@link prepareStandaloneJobs}; call `dispose()` when done.
 */
export interface StandaloneJobContext {
  readonly recipe: StandaloneJobRecipe;
  /** Folder the data set was read from. */
  readonly source: string;
  /** Frees the test batches. */
  dispose(): void;
}

interface ContextInternals extends StandaloneJobContext {
  readonly space: SearchSpace<unknown>;
  readonly train: DatasetSplit;
  readonly evalBatches: LabelledBatch[];
  readonly shape: NetworkShape;
}

/**
 * Loads the data of a search's stand-alone recipe exactly as `runSearch` does (same subsets, same
 * test batches of 256), for {@link trainStandaloneJob}. Throws the data set's own error (e.g.
 * `FileFormatError`) when the data is missing on this machine.
 */
export async function prepareStandaloneJobs(recipe: StandaloneJobRecipe): Promise<StandaloneJobContext> {
  const space = getSpace(recipe.space) as SearchSpace<unknown>;
  getNetworkBuilder(space.name);
  const data = await loadRunData(recipe);
  const evalBatches = makeEvalBatches(data.test, 256);
  const context: ContextInternals = {
    recipe,
    source: data.source,
    space,
    train: data.train,
    evalBatches,
    shape: data.shape,
    dispose: () => disposeBatches(evalBatches),
  };
  return context;
}

/**
 * Trains ONE architecture (its `space.format` string) alone under the recipe, as `runSearch`'s
 * own process does (seed `seedFor(recipe.seed, key)`): the same result on the same backend. Leaks
 * no tensors.
 */
export function trainStandaloneJob(
  context: StandaloneJobContext,
  arch: string,
  options: { readonly onStep?: (done: number, total: number) => void } = {},
): StandaloneResult {
  const { recipe, space, train, evalBatches, shape } = context as ContextInternals;
  const parsed = space.parse(arch);
  return trainStandalone({
    space,
    arch: parsed,
    shape,
    recipe: recipe.standalone,
    train,
    evalBatches,
    augment: recipe.augment ? defaultAugmentation(recipe.dataset) : false,
    seed: seedFor(recipe.seed, space.key(parsed)),
    ...(options.onStep === undefined ? {} : { onStep: options.onStep }),
  });
}
