export { BackendUnavailableError } from './backend-unavailable-error.js';
export {
  BACKEND_REQUESTS,
  currentBackendName,
  currentBackendThreads,
  defaultWasmPath,
  FUTURE_BACKENDS,
  parseBackendRequest,
  selectBackend,
} from './select-backend.js';
export type { BackendRequest, SelectBackendOptions, SelectedBackend, SelectedBackendName } from './select-backend.js';
