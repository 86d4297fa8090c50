export type { Rng } from '@lmreg/common';
export { createRng, createRngFromState, InvalidArchitectureError } from '@lmreg/common';
export { getSpace, listSpaces, registerSpace } from './registry/registry.js';
export type { AnySearchSpace, SearchSpace } from './registry/search-space.js';
export { hamming } from './registry/search-space.js';
