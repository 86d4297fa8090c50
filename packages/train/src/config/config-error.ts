import { LmregError } from '@lmreg/common';

/** A config file or flag value that failed validation; the message lists one line per bad field. */
export class ConfigError extends LmregError {
  /** One entry per bad field: `path: problem`. */
  readonly issues: readonly string[];

  constructor(source: string, issues: readonly string[]) {
    super('LMREG_CONFIG', `invalid configuration (${source}):\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.issues = issues;
  }
}
