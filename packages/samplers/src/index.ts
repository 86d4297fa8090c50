export type {
  ArchitectureStepContext,
  Evaluate,
  JsonValue,
  Proposal,
  Sampler,
  SamplerCapabilities,
  SamplerDefinition,
  SamplerInit,
  SamplerState,
  SearchSize,
} from './sampler/types.js';
export { BudgetExhaustedError, SamplerLifecycleError, TfjsBackendError } from './sampler/errors.js';
export { getSampler, getSamplerDefinition, listSamplers, registerSampler } from './sampler/registry.js';
export type { RandomSamplerOptions } from './samplers/random.js';
export { createRandomSampler } from './samplers/random.js';
export type { SposSamplerOptions } from './samplers/spos.js';
export { createSposSampler } from './samplers/spos.js';
export type { PredictorSamplerOptions } from './samplers/predictor.js';
export { createPredictorSampler } from './samplers/predictor.js';
export type { GdasSamplerOptions, GdasStepContext } from './gdas/gdas-sampler.js';
export { createGdasSampler, gdasTau, GdasSampler } from './gdas/gdas-sampler.js';
export type { NaoSamplerOptions } from './nao/nao-sampler.js';
export { createNaoSampler } from './nao/nao-sampler.js';
export type { BenchmarkTable } from './oracle/benchmark-table.js';
export type { TabularOracle, TabularOracleOptions } from './oracle/tabular-oracle.js';
export { createTabularOracle } from './oracle/tabular-oracle.js';
export type { TableSearchOptions, TableSearchResult } from './oracle/search-table.js';
export { searchTable } from './oracle/search-table.js';
