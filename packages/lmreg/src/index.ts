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
export type {
  EpochRecord,
  ProposedArchitecture,
  RoundRecord,
  SamplerSearchResult,
  SearchProgress,
  SearchResult,
  VariantResult,
} from './search/search-result.js';
export { aggregateRuns, readReportData, readRun } from './report/report-data.js';
export type { ReportData, ReportGroup, ReportRun } from './report/report-data.js';
export { renderReportHtml } from './report/report-html.js';
export { readChartJsSource, writeReport } from './report/report-command.js';
export type { WriteReportOptions } from './report/report-command.js';
export { BrowserNotFoundError, resolveChromium, screenshotHtml } from './report/browser.js';
