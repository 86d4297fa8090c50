import type { Rng } from '@lmreg/common';

/**
 * One NAS search space. Every registered space implements this interface and passes the shared
 * contract suite (`src/registry/space-contract.test.ts`).
 *
 * `A` is the space's architecture type: a plain, immutable, JSON-serialisable value.
 */
export interface SearchSpace<A> {
  /** Registry name, e.g. `nb201`. */
  readonly name: string;
  /** Number of architectures in the space, under the counting rule the space documents. */
  readonly size: bigint;
  /** Largest Hamming distance (over `encode`) that one `mutate` call produces; 1 for most spaces. */
  readonly mutationDistance: number;
  /** Draws an architecture uniformly at random. */
  sample(rng: Rng): A;
  /** Changes one element of `a`; the result is valid and differs from `a`. Does not modify `a`. */
  mutate(a: A, rng: Rng): A;
  /** Hamming distance between `encode(a)` and `encode(b)`. */
  distance(a: A, b: A): number;
  /** Flat integer vector of fixed length (used by Hamming distance, NAO and GDAS). */
  encode(a: A): number[];
  /** Inverse of `encode`. Throws `InvalidArchitectureError` naming the bad element on bad input. */
  decode(vector: readonly number[]): A;
  /** The community's string format where one exists. */
  format(a: A): string;
  /** Inverse of `format`. Throws `InvalidArchitectureError` naming the bad part on bad input. */
  parse(text: string): A;
  /** Canonical key: equal iff the two architectures compute the same network. */
  key(a: A): string;
  /** Length of `encode(a)` for every `a`. */
  readonly encodingLength: number;
  /** Number of values each position of `encode` can take (`encode(a)[i]` is in `[0, bounds[i])`). */
  readonly encodingBounds: readonly number[];
  /** Every architecture once, for finite enumerable spaces. */
  enumerate?(): Iterable<A>;
}

/** Any registered space, with its architecture type erased. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- erased element type of a heterogeneous registry
export type AnySearchSpace = SearchSpace<any>;

/** Hamming distance between two equal-length integer vectors. */
export function hamming(a: readonly number[], b: readonly number[]): number {
  let d = Math.abs(a.length - b.length);
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) d++;
  return d;
}
