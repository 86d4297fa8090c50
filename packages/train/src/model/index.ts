export type { DartsNetworkBuildOptions } from './darts-network.js';
export { createDartsNetwork, createDartsSupernet, DartsNetwork, dartsNetworkBuilder } from './darts-network.js';
export { ssiLoss } from './depth-loss.js';
export type { DepthNetworkOptions } from './depth-network.js';
export { createDepthNetwork, createDepthSupernet, DepthNetwork, depthNetworkBuilders } from './depth-network.js';
export type { Nb101NetworkOptions } from './nb101-network.js';
export { createNb101Network, createNb101Supernet, Nb101Network, nb101NetworkBuilder } from './nb101-network.js';
export type { Nb201ArchLike, Nb201NetworkOptions, Nb201Op } from './nb201-network.js';
export {
  assertNb201Arch,
  createNb201Network,
  createNb201Supernet,
  NB201_EDGES,
  NB201_OPS,
  Nb201Network,
  nb201NetworkBuilder,
} from './nb201-network.js';
export type {
  AnyNetworkBuilder,
  BaseNetworkOptions,
  ForwardOptions,
  Network,
  NetworkBuilder,
  SetWeightsOptions,
} from './network.js';
export { getNetworkBuilder, listNetworkBuilders, registerNetworkBuilder } from './registry.js';
export type { EvaluateResult, LabelledBatch, TrainStepOptions, TrainStepResult } from './train-step.js';
export { evaluate, softmaxCrossEntropy, trainStep } from './train-step.js';
