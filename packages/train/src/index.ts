export {
  augmentImages,
  CIFAR10_FOLDER,
  CIFAR10_HINT,
  CIFAR10_RECORD_BYTES,
  CIFAR10_SIZE,
  CIFAR10_TEST_FILES,
  CIFAR10_TRAIN_FILES,
  computeChannelStats,
  concatCifar10Batches,
  createBatcher,
  DATASET_NAMES,
  datasetSearchPath,
  defaultAugmentation,
  encodeCifar10Batch,
  encodeIdx,
  findDataset,
  getDatasetInfo,
  IDX_HINT,
  IDX_IMAGES_MAGIC,
  IDX_LABELS_MAGIC,
  loadDataset,
  normalizeSplit,
  parseCifar10Batch,
  parseIdx,
  parseIdxImages,
  parseIdxLabels,
  readCifar10,
  readCifar10Batch,
  readIdxImages,
  readIdxLabels,
  resizeImages,
  resizeSplit,
  resolveCifar10Dir,
  selectRows,
  splitTrain,
  takeSubset,
  toTensors,
} from './data/index.js';
export type {
  AugmentOptions,
  Batch,
  Batcher,
  BatcherOptions,
  BatcherState,
  ChannelStats,
  Cifar10Batch,
  Dataset,
  DatasetCandidate,
  DatasetInfo,
  DatasetName,
  DatasetSplit,
  IdxArray,
  IdxImages,
  IdxLabels,
  IdxParseOptions,
  ImageShape,
  LoadDatasetOptions,
  ResizeMethod,
  SplitTrainOptions,
  TrainSplit,
} from './data/index.js';
export {
  assertNb201Arch,
  createDartsNetwork,
  createDartsSupernet,
  createDepthNetwork,
  createDepthSupernet,
  createNb101Network,
  createNb101Supernet,
  createNb201Network,
  createNb201Supernet,
  DartsNetwork,
  dartsNetworkBuilder,
  DepthNetwork,
  depthNetworkBuilders,
  evaluate,
  getNetworkBuilder,
  listNetworkBuilders,
  NB201_EDGES,
  NB201_OPS,
  Nb101Network,
  nb101NetworkBuilder,
  Nb201Network,
  nb201NetworkBuilder,
  registerNetworkBuilder,
  softmaxCrossEntropy,
  ssiLoss,
  trainStep,
} from './model/index.js';
export type {
  AnyNetworkBuilder,
  BaseNetworkOptions,
  DartsNetworkBuildOptions,
  DepthNetworkOptions,
  EvaluateResult,
  ForwardOptions,
  LabelledBatch,
  Nb101NetworkOptions,
  Nb201ArchLike,
  Nb201NetworkOptions,
  Nb201Op,
  Network,
  NetworkBuilder,
  SetWeightsOptions,
  TrainStepOptions,
  TrainStepResult,
} from './model/index.js';
export { clipGradNorm, cosineLr, createSgd, SgdOptimizer } from './optim/index.js';
export type { CosineScheduleOptions, SgdOptions, SgdState } from './optim/index.js';
export {
  BACKEND_REQUESTS,
  BackendUnavailableError,
  currentBackendName,
  currentBackendThreads,
  defaultWasmPath,
  FUTURE_BACKENDS,
  parseBackendRequest,
  selectBackend,
} from './backend/index.js';
export type { BackendRequest, SelectBackendOptions, SelectedBackend, SelectedBackendName } from './backend/index.js';
export { isTrainingKernelRegistered, registerTrainingKernels, TRAINING_KERNELS, unregisterTrainingKernels } from './kernels/index.js';
export type { TrainingKernelBackend } from './kernels/index.js';
export { ConfigError } from './config/config-error.js';
export { standaloneSchema } from './standalone/recipe.js';
export {
  decodeCheckpoint,
  encodeCheckpoint,
  hasCheckpoint,
  loadCheckpoint,
  loadCheckpointWithFallback,
  previousCheckpointFile,
  saveCheckpoint,
} from './run/checkpoint.js';
export type { CheckpointData, LoadedCheckpoint } from './run/checkpoint.js';
export { copyFileAtomic, removeStaleTempFiles, writeFileAtomic } from '@lmreg/common';
export type { RemoveTempFilesOptions } from '@lmreg/common';
export { LOCK_FILE, RUN_FILES, RunDir } from './run/run-dir.js';
export type { LogRecord, RunDirOptions } from './run/run-dir.js';
export { parseGroundTruthCsv, parseGroundTruthMeta } from './ground-truth/table-format.js';
export type { ParsedTableCsv, Refinish } from './ground-truth/table-format.js';
export { createSupernetTrainer, DivergedError, trainSupernet } from './supernet/train-supernet.js';
export type { SupernetTrainer, SupernetTrainerOptions, WeightedForward, WeightedStepContext } from './supernet/train-supernet.js';
export { loadSupernetCheckpoint, saveSupernetCheckpoint } from './supernet/supernet-checkpoint.js';
export type { LoadedSupernetCheckpoint, SupernetCheckpoint, SupernetCheckpointMeta, SupernetEpoch } from './supernet/supernet-checkpoint.js';
export { disposeBatches, makeEvalBatches, networkOptions, seedFor, trainStandalone } from './standalone/standalone.js';
export type { NetworkShape, StandaloneRecipe, StandaloneResult } from './standalone/standalone.js';
export { paramCountOf } from './model/param-count.js';
export type { ParamCountResult } from './model/param-count.js';
export { buildGroundTruth, loadTableData, readGroundTruthRows, sampleTableArchitectures } from './ground-truth/build.js';
export type { BuildGroundTruthOptions, BuildGroundTruthReport, GroundTruthRow, Shard } from './ground-truth/build.js';
export { appendGroundTruthRow, listGroundTruthJobs, prepareGroundTruthJobs, trainGroundTruthJob } from './ground-truth/build.js';
export type { GroundTruthJob, GroundTruthJobContext } from './ground-truth/build.js';
export { DEFAULT_GROUND_TRUTH, groundTruthConfigSchema, parseGroundTruthConfig } from './ground-truth/config.js';
export type { GroundTruthConfig } from './ground-truth/config.js';
export { finishGroundTruth, loadGroundTruthTable, noiseCeilingOf, tableColumns } from './ground-truth/table.js';
export type { GroundTruthColumn, GroundTruthMeta, GroundTruthTable, NoiseCeiling } from './ground-truth/table.js';
