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
export { decodeBase64 } from './encoding/base64.js';
export type { RemoveTempFilesOptions } from './fs/atomic-file.js';
export { copyFileAtomic, removeStaleTempFiles, writeFileAtomic } from './fs/atomic-file.js';
export { isProcessAlive, processStartTime } from './fs/process-alive.js';
