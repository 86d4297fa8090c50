import { createDartsSpace } from '../darts/darts-space.js';
import { createDepthSpace } from '../depth/depth-space.js';
import { createNb101Space } from '../nb101/nb101-space.js';
import { createNb201Space } from '../nb201/nb201-space.js';
import type { AnySearchSpace } from './search-space.js';

/**
 * The built-in spaces, registered lazily on the first registry call. Each entry: a factory and its
 * aliases. Add a line here when a space is added to the package.
 */
export const BUILTIN_SPACES: ReadonlyArray<readonly [() => AnySearchSpace, readonly string[]]> = [
  [createNb101Space, ['nasbench101']],
  [createNb201Space, ['nasbench201']],
  [() => createDepthSpace('v1-sync'), []],
  [() => createDepthSpace('v1-nonsync'), []],
  [() => createDepthSpace('v2-sync'), []],
  [() => createDepthSpace('v2-nonsync'), []],
  [createDartsSpace, []],
];
