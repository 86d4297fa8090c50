import { LmregError } from '@lmreg/common';

/**
 * A TensorFlow.js backend was asked for but is not installed, failed to initialise, or is not
 * available in this version. The message says how to install or replace it.
 */
export class BackendUnavailableError extends LmregError {
  /** The backend that was asked for ('tensorflow', 'wasm', 'cpu', 'native'). */
  readonly backend: string;

  constructor(backend: string, message: string, options?: { cause?: unknown }) {
    super('LMREG_BACKEND_UNAVAILABLE', message, options);
    this.backend = backend;
  }
}
