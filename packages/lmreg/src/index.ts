export { createProgram, main } from './cli/main.js';
export {
  ConfigError,
  PRESET_OVERRIDES,
  readConfigFile,
  resolveSearchConfig,
  SEARCH_DEFAULTS,
  SEARCH_PRESETS,
  searchConfigSchema,
} from './config/search-config.js';
export type { SearchConfig, SearchConfigInput } from './config/search-config.js';
export { addSchemaFlags, flagValues, schemaFlags } from './config/schema-flags.js';
export type { FlagMeta, SchemaFlag } from './config/schema-flags.js';
export { rankingMetrics, runSearch } from './search/run-search.js';
export type { SearchJobOptions } from './search/run-search.js';
export type { StandaloneQueueOptions } from './queue/standalone-producer.js';
export type {
  DeepReadonly,
  EpochRecord,
  ProposedArchitecture,
  RoundRecord,
  SamplerSearchResult,
  SearchProgress,
  SearchResult,
  StandaloneRecord,
  VariantResult,
} from './search/search-result.js';
export { parseSearchResult, readSearchResult, SEARCH_RESULT_FILE, searchResultSchema, writeSearchResult } from './search/search-result.js';
export { bootstrapMeanInterval, mean, pairedDifference, sampleStd, signTest } from './stats/paired-stats.js';
export type { BootstrapOptions, PairedDifference, SignTestResult } from './stats/paired-stats.js';
export { CPU_TIME_FILE, readCpuSeconds, trainingPassRatio } from './stats/run-cost.js';
export type { PassRatioConfig } from './stats/run-cost.js';
export { SKDT_THRESHOLD, skdtVariants } from './stats/skdt-variants.js';
export type { SkdtVariants } from './stats/skdt-variants.js';
export { aggregateRuns, readReportData, readRun } from './report/report-data.js';
export type { PairedSummary, ReportData, ReportGroup, ReportPair, ReportPaired, ReportRun, ReportRunSummary, SkdtPair } from './report/report-data.js';
export { renderReportHtml } from './report/report-html.js';
export { readChartJsSource, writeReport } from './report/report-command.js';
export type { WriteReportOptions } from './report/report-command.js';
export { BrowserNotFoundError, resolveChromium, screenshotHtml } from './report/browser.js';
