import { loadDataset, takeSubset } from '@lmreg/train';
import type { DatasetSplit, NetworkShape } from '@lmreg/train';

import type { SearchConfig } from '../config/search-config.js';

/** The data of a run, built exactly as `runSearch` builds it. */
export interface RunData {
  /** `takeSubset(train, trainSubset, seed)`: what stand-alone networks train on. */
  readonly train: DatasetSplit;
  /** `takeSubset(test, testSubset, seed)`: what every accuracy of the run is measured on. */
  readonly test: DatasetSplit;
  readonly shape: NetworkShape;
  /** Folder the data set was read from. */
  readonly source: string;
}

/**
 * Loads the data set of a search config and takes the same training and test subsets as
 * `runSearch` (same dataset, image size, subset sizes and seed), so that accuracies computed by
 * `lmreg standalone`, `lmreg eval` and the stand-alone jobs of `lmreg search --queue` are those of a
 * search run.
 */
export async function loadRunData(
  config: Pick<SearchConfig, 'dataset' | 'dataDir' | 'imageSize' | 'trainSubset' | 'testSubset' | 'seed' | 'channels' | 'cells'>,
): Promise<RunData> {
  const dataset = await loadDataset(config.dataset, {
    ...(config.dataDir === undefined ? {} : { dataDir: config.dataDir }),
    resize: { height: config.imageSize, width: config.imageSize },
  });
  const train = takeSubset(dataset.train, Math.min(config.trainSubset, dataset.train.n), config.seed);
  const test = takeSubset(dataset.test, Math.min(config.testSubset, dataset.test.n), config.seed);
  return {
    train,
    test,
    shape: { channels: config.channels, cells: config.cells, classes: dataset.classes.length, inputChannels: train.channels },
    source: dataset.source.dir,
  };
}
