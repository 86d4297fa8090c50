export {
  FileFormatError,
  InvalidArchitectureError,
  InvalidArgumentError,
  isLmregError,
  LmregError,
  NotRegisteredError,
} from './errors/lmreg-error.js';
export type { Rng } from './random/rng.js';
export { createRng, createRngFromState } from './random/rng.js';
