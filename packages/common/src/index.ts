export {
  FileFormatError,
  InvalidArchitectureError,
  InvalidArgumentError,
  isLmregError,
  LmregError,
  NotRegisteredError,
  RunLockedError,
} from './errors/lmreg-error.js';
export { findDangerousKeys, rejectDangerousKeys } from './objects/dangerous-keys.js';
export type { Rng } from './random/rng.js';
export { createRng, createRngFromState } from './random/rng.js';
