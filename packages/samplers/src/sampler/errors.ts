import { LmregError } from '@lmreg/common';

/**
 * A budgeted fitness (e.g. {@link TabularOracle.evaluate}) was asked for a new architecture after
 * its query budget was spent. Code `LMREG_BUDGET_EXHAUSTED`.
 */
export class BudgetExhaustedError extends LmregError {
  /** The budget that was exceeded (number of distinct architectures). */
  readonly budget: number;

  constructor(budget: number, message: string) {
    super('LMREG_BUDGET_EXHAUSTED', message);
    this.budget = budget;
  }
}

/**
 * A sampler method was called out of order (e.g. `propose` before `init`). Code
 * `LMREG_SAMPLER_LIFECYCLE`.
 */
export class SamplerLifecycleError extends LmregError {
  constructor(message: string) {
    super('LMREG_SAMPLER_LIFECYCLE', message);
  }
}

/**
 * A sampler that trains a model with tfjs (`nao`) found no usable tfjs backend (none registered,
 * or one still initialising) or no registered gradients. Code `LMREG_TFJS_BACKEND`. The message
 * says how to set one up; `cause` is tfjs's own error when there is one.
 */
export class TfjsBackendError extends LmregError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('LMREG_TFJS_BACKEND', message, options);
  }
}
