import type { AnySearchSpace } from './search-space.js';

/**
 * The built-in spaces, registered lazily on the first registry call. Each entry: a factory and its
 * aliases. Add a line here when a space is added to the package.
 */
export const BUILTIN_SPACES: ReadonlyArray<readonly [() => AnySearchSpace, readonly string[]]> = [
];
