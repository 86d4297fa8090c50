export type { Batch, Batcher, BatcherOptions, BatcherState } from './batcher.js';
export { createBatcher } from './batcher.js';
export type { Cifar10Batch } from './cifar10.js';
export {
  CIFAR10_FOLDER,
  CIFAR10_HINT,
  CIFAR10_RECORD_BYTES,
  CIFAR10_SIZE,
  CIFAR10_TEST_FILES,
  CIFAR10_TRAIN_FILES,
  concatCifar10Batches,
  encodeCifar10Batch,
  parseCifar10Batch,
  readCifar10,
  readCifar10Batch,
  resolveCifar10Dir,
} from './cifar10.js';
export type { DatasetCandidate, DatasetInfo, LoadDatasetOptions } from './datasets.js';
export { DATASET_NAMES, datasetSearchPath, findDataset, getDatasetInfo, loadDataset } from './datasets.js';
export type { IdxArray, IdxImages, IdxLabels, IdxParseOptions } from './idx.js';
export {
  encodeIdx,
  IDX_HINT,
  IDX_IMAGES_MAGIC,
  IDX_LABELS_MAGIC,
  parseIdx,
  parseIdxImages,
  parseIdxLabels,
  readIdxImages,
  readIdxLabels,
} from './idx.js';
export type { AugmentOptions, ImageShape, ResizeMethod } from './preprocess.js';
export {
  augmentImages,
  computeChannelStats,
  defaultAugmentation,
  normalizeSplit,
  resizeImages,
  resizeSplit,
} from './preprocess.js';
export type { SplitTrainOptions, TrainSplit } from './split.js';
export { selectRows, splitTrain, takeSubset } from './split.js';
export { toTensors } from './to-tensors.js';
export type { ChannelStats, Dataset, DatasetName, DatasetSplit } from './types.js';
