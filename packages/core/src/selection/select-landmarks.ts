import { InvalidArgumentError, type Rng } from '@lmreg/common';
import type { SearchSpace } from '@lmreg/spaces';

/** Options of {@link selectDiverseLandmarks}. */
export interface DiverseSelectionOptions<A> {
  /**
   * Distance threshold: every landmark but the root is farther than `tau` (Hamming distance over
   * `space.encode`) from the root. Integer in `[0, space.encodingLength)`; default 5 (the paper's
   * value on NAS-Bench-101/201).
   */
  readonly tau?: number;
  /** Root architecture; default: drawn uniformly with `space.sample(rng)`. */
  readonly root?: A;
  /**
   * How many mutation walks to try in total before giving up; default `100 * count + 1000`.
   * Walks fail when they end on an already chosen key or do not get farther than `tau` in time.
   */
  readonly maxAttempts?: number;
}

function checkCount(fn: string, count: number, space: SearchSpace<unknown>): void {
  if (!Number.isSafeInteger(count) || count < 0) {
    throw new InvalidArgumentError(`${fn}: count must be a non-negative integer, got ${String(count)}.`);
  }
  if (BigInt(count) > space.size) {
    throw new InvalidArgumentError(`${fn}: cannot pick ${count} distinct architectures from space '${space.name}', which has only ${space.size}.`);
  }
}

function checkSpace(fn: string, space: SearchSpace<unknown>): void {
  if (typeof space !== 'object' || space === null || typeof space.key !== 'function' || typeof space.sample !== 'function') {
    throw new InvalidArgumentError(`${fn}: space must be a SearchSpace, e.g. getSpace('nb201').`);
  }
}

function checkRng(fn: string, rng: Rng): void {
  if (typeof rng !== 'object' || rng === null || typeof rng.int !== 'function') {
    throw new InvalidArgumentError(`${fn}: rng must be an Rng from createRng(seed).`);
  }
}

function resolveAttempts(fn: string, maxAttempts: number | undefined, count: number): number {
  const attempts = maxAttempts ?? 100 * count + 1000;
  if (!Number.isSafeInteger(attempts) || attempts < 1) {
    throw new InvalidArgumentError(`${fn}: maxAttempts must be a positive integer, got ${String(maxAttempts)}.`);
  }
  return attempts;
}

/**
 * Diverse landmark sampling (Algorithm 1 of the paper): a root drawn uniformly, then each further
 * landmark is the root mutated one element at a time (`space.mutate`) until its distance to the
 * root exceeds `tau`. Unlike the authors' code, landmarks are deduplicated by `space.key` (also
 * against the root), so isomorphic duplicates never count twice. Walks stop at the first step past
 * `tau`, so in spaces whose `mutate` changes one position every landmark is at distance exactly
 * `tau + 1` from the root.
 *
 * @param space any search space (e.g. `getSpace('nb201')`).
 * @param count number of landmarks `M`, root included (the root is the first element).
 * @param rng seeded generator; the same seed gives the same landmarks.
 * @returns `count` architectures with distinct keys, root first.
 * @throws InvalidArgumentError when `tau` cannot be exceeded in this space, or when `count` distinct
 *   landmarks farther than `tau` cannot be found within `maxAttempts` walks (lower `count` or `tau`).
 */
export function selectDiverseLandmarks<A>(space: SearchSpace<A>, count: number, rng: Rng, options: DiverseSelectionOptions<A> = {}): A[] {
  const fn = 'selectDiverseLandmarks';
  checkSpace(fn, space);
  checkCount(fn, count, space);
  checkRng(fn, rng);
  const tau = options.tau ?? 5;
  if (!Number.isSafeInteger(tau) || tau < 0) {
    throw new InvalidArgumentError(`${fn}: tau must be a non-negative integer, got ${String(tau)}.`);
  }
  if (tau >= space.encodingLength && count > 1) {
    throw new InvalidArgumentError(
      `${fn}: tau = ${tau} cannot be exceeded in space '${space.name}', whose encodings have only ` +
        `${space.encodingLength} positions; use tau < ${space.encodingLength}.`,
    );
  }
  const maxAttempts = resolveAttempts(fn, options.maxAttempts, count);
  if (count === 0) return [];
  const root = options.root ?? space.sample(rng);
  const chosen: A[] = [root];
  const keys = new Set([space.key(root)]);
  // A random walk on the encoding reaches distance > tau in about tau + 1 steps when tau is small
  // relative to the encoding; allow generously more before restarting from the root.
  const maxSteps = 10 * (space.encodingLength + tau + 1);
  let attempts = 0;
  while (chosen.length < count) {
    if (attempts >= maxAttempts) {
      throw new InvalidArgumentError(
        `${fn}: found only ${chosen.length} of ${count} distinct landmarks farther than tau = ${tau} from the root ` +
          `in space '${space.name}' after ${maxAttempts} mutation walks; lower count or tau, or raise maxAttempts.`,
      );
    }
    attempts++;
    let a = root;
    for (let step = 0; step < maxSteps && space.distance(a, root) <= tau; step++) a = space.mutate(a, rng);
    if (space.distance(a, root) <= tau) continue;
    const key = space.key(a);
    if (keys.has(key)) continue;
    keys.add(key);
    chosen.push(a);
  }
  return chosen;
}

/** Options of {@link selectUniformLandmarks}. */
export interface UniformSelectionOptions {
  /** Keys (`space.key`) that must not be picked, e.g. existing landmarks. */
  readonly exclude?: Iterable<string>;
  /** Draws to try before giving up; default `100 * count + 1000`. */
  readonly maxAttempts?: number;
}

/**
 * Uniform random landmarks: `space.sample` until `count` distinct keys (not in `exclude`) are found.
 * Also the way to draw the non-landmark architectures on which ranking is measured.
 *
 * @returns `count` architectures with distinct keys, in draw order.
 * @throws InvalidArgumentError when `count` distinct keys are not found within `maxAttempts` draws.
 */
export function selectUniformLandmarks<A>(space: SearchSpace<A>, count: number, rng: Rng, options: UniformSelectionOptions = {}): A[] {
  const fn = 'selectUniformLandmarks';
  checkSpace(fn, space);
  checkCount(fn, count, space);
  checkRng(fn, rng);
  const maxAttempts = resolveAttempts(fn, options.maxAttempts, count);
  const excluded = new Set(options.exclude ?? []);
  const keys = new Set<string>();
  const chosen: A[] = [];
  for (let attempts = 0; chosen.length < count; attempts++) {
    if (attempts >= maxAttempts) {
      throw new InvalidArgumentError(
        `${fn}: found only ${chosen.length} of ${count} distinct architectures in space '${space.name}' after ` +
          `${maxAttempts} draws (${excluded.size} keys excluded); lower count or raise maxAttempts.`,
      );
    }
    const a = space.sample(rng);
    const key = space.key(a);
    if (keys.has(key) || excluded.has(key)) continue;
    keys.add(key);
    chosen.push(a);
  }
  return chosen;
}

/** An architecture with a known stand-alone metric (higher = better), e.g. from a benchmark table. */
export interface ScoredArchitecture<A> {
  /** The architecture. */
  readonly architecture: A;
  /** Its stand-alone metric, e.g. test accuracy in percent; finite. */
  readonly metric: number;
}

/** Options of {@link selectEvenlySpacedLandmarks}. */
export interface EvenSelectionOptions {
  /**
   * `'value'` (default): targets evenly spaced between the lowest and highest metric, each taken by
   * the nearest unused candidate. `'rank'`: evenly spaced positions in the sorted candidate list
   * (follows the metric distribution; skewed accuracies give more landmarks where most models are).
   */
  readonly spacing?: 'value' | 'rank';
}

/**
 * Picks `count` candidates spread evenly over the sorted range of known metrics. Deterministic.
 * Candidates are deduplicated by `space.key` first (the first occurrence wins). With `count >= 2`
 * the worst and the best candidate are always picked; `count = 1` picks the middle one.
 *
 * @param candidates architectures with known metrics; not modified.
 * @returns the chosen candidate objects (extra fields kept), best metric first.
 * @throws InvalidArgumentError on a non-finite metric or fewer distinct candidates than `count`.
 */
export function selectEvenlySpacedLandmarks<A, C extends ScoredArchitecture<A>>(
  space: SearchSpace<A>,
  candidates: readonly C[],
  count: number,
  options: EvenSelectionOptions = {},
): C[] {
  const fn = 'selectEvenlySpacedLandmarks';
  checkSpace(fn, space);
  if (!Number.isSafeInteger(count) || count < 0) {
    throw new InvalidArgumentError(`${fn}: count must be a non-negative integer, got ${String(count)}.`);
  }
  const spacing = options.spacing ?? 'value';
  if (spacing !== 'value' && spacing !== 'rank') {
    throw new InvalidArgumentError(`${fn}: options.spacing must be 'value' or 'rank', got ${JSON.stringify(spacing)}.`);
  }
  if (!Array.isArray(candidates)) throw new InvalidArgumentError(`${fn}: candidates must be an array of { architecture, metric }.`);
  const seen = new Set<string>();
  const unique: Array<{ c: C; key: string }> = [];
  candidates.forEach((c, i) => {
    if (typeof c !== 'object' || c === null || typeof c.metric !== 'number' || !Number.isFinite(c.metric)) {
      throw new InvalidArgumentError(`${fn}: candidates[${i}].metric must be a finite number, got ${String(c?.metric)}.`);
    }
    const key = space.key(c.architecture);
    if (seen.has(key)) return;
    seen.add(key);
    unique.push({ c, key });
  });
  if (count > unique.length) {
    throw new InvalidArgumentError(`${fn}: asked for ${count} landmarks but there are only ${unique.length} distinct candidates; lower count.`);
  }
  if (count === 0) return [];
  unique.sort((a, b) => a.c.metric - b.c.metric || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const n = unique.length;
  const picked = new Set<number>();
  if (spacing === 'rank') {
    for (let k = 0; k < count; k++) picked.add(count === 1 ? Math.floor((n - 1) / 2) : Math.round((k * (n - 1)) / (count - 1)));
  } else {
    const lo = unique[0]!.c.metric;
    const hi = unique[n - 1]!.c.metric;
    for (let k = 0; k < count; k++) {
      const target = count === 1 ? (lo + hi) / 2 : lo + ((hi - lo) * k) / (count - 1);
      let best = -1;
      let bestGap = Infinity;
      for (let i = 0; i < n; i++) {
        if (picked.has(i)) continue;
        const gap = Math.abs(unique[i]!.c.metric - target);
        if (gap < bestGap) {
          best = i;
          bestGap = gap;
        }
      }
      picked.add(best);
    }
  }
  return [...picked].sort((a, b) => b - a).map((i) => unique[i]!.c);
}
