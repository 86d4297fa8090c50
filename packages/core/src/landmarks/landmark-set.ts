import { FileFormatError, InvalidArgumentError, isLmregError } from '@lmreg/common';
import type { SearchSpace } from '@lmreg/spaces';

/** One landmark: an architecture with its stand-alone metric and optional provenance. */
export interface Landmark<A> {
  /** The architecture (a value of the set's space). */
  readonly architecture: A;
  /** Stand-alone metric, higher = better (e.g. CIFAR-10 test accuracy in percent); finite. */
  readonly metric: number;
  /** Parameter count of the stand-alone network, `>= 0`. */
  readonly params?: number;
  /** Seed of the stand-alone training run (integer). */
  readonly seed?: number;
  /** Pipeline round (iteration `t` of Algorithm 1, integer `>= 0`) that added the landmark. */
  readonly round?: number;
  /** How it was chosen, e.g. `'diverse'`, `'uniform'`, `'top-k'`, `'benchmark'`. */
  readonly source?: string;
}

/**
 * What `add` / `merge` do with a landmark whose `space.key` is already in the set:
 * `'keep'` (default) keeps the existing entry and ignores the new one, because a landmark's metric
 * comes from an expensive stand-alone run and the first recorded value should not change silently;
 * `'replace'` overwrites it (e.g. with a re-trained run).
 */
export type DuplicatePolicy = 'keep' | 'replace';

/** Options of {@link LandmarkSet.add} and {@link LandmarkSet.merge}. */
export interface AddLandmarkOptions {
  /** Default `'keep'`. */
  readonly onDuplicate?: DuplicatePolicy;
}

/** One landmark in the JSON form; the architecture is written with `space.format`. */
export interface LandmarkJson {
  readonly architecture: string;
  readonly metric: number;
  readonly params?: number;
  readonly seed?: number;
  readonly round?: number;
  readonly source?: string;
}

/** The JSON form of a {@link LandmarkSet} (what `toJSON` returns and landmark files contain). */
export interface LandmarkSetJson {
  /** Always `'lmreg-landmark-set'`. */
  readonly format: typeof LANDMARK_SET_FORMAT;
  /** Format version; {@link LANDMARK_SET_VERSION}. */
  readonly version: number;
  /** Name of the search space (`space.name`). */
  readonly space: string;
  /** Landmarks, best metric first. */
  readonly landmarks: readonly LandmarkJson[];
}

/** The `format` tag of landmark-set JSON. */
export const LANDMARK_SET_FORMAT = 'lmreg-landmark-set';
/** The landmark-set JSON version this code writes and reads. */
export const LANDMARK_SET_VERSION = 1;

const OPTIONAL_FIELDS = ['params', 'seed', 'round', 'source'] as const;
const LANDMARK_FIELDS = new Set(['architecture', 'metric', ...OPTIONAL_FIELDS]);
const TOP_FIELDS = new Set(['format', 'version', 'space', 'landmarks']);

interface Entry<A> {
  readonly key: string;
  readonly landmark: Landmark<A>;
}

/** Returns a message when an optional field has the wrong type, else undefined. */
function optionalFieldProblem(field: (typeof OPTIONAL_FIELDS)[number], value: unknown): string | undefined {
  if (value === undefined) return undefined;
  switch (field) {
    case 'params':
      return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? undefined : 'must be a finite number >= 0';
    case 'seed':
      return Number.isSafeInteger(value) ? undefined : 'must be an integer';
    case 'round':
      return Number.isSafeInteger(value) && (value as number) >= 0 ? undefined : 'must be a non-negative integer';
    case 'source':
      return typeof value === 'string' ? undefined : 'must be a string';
  }
}

function compareEntries<A>(a: Entry<A>, b: Entry<A>): number {
  return b.landmark.metric - a.landmark.metric || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

/**
 * A set of landmark architectures with their stand-alone metrics, unique by `space.key` and kept
 * sorted best first (metric descending, ties by key), so that `architectures[i]` and
 * `groundTruth[i]` line up for the ranking loss.
 *
 * Mutable (`add`, `merge`, `remove`); the accessors return fresh arrays of frozen landmarks.
 * Serialise with `toJSON` / {@link LandmarkSet.fromJSON}, or to a file with `saveLandmarkSet` /
 * `loadLandmarkSet`.
 */
export class LandmarkSet<A> implements Iterable<Landmark<A>> {
  /** The search space the architectures belong to. */
  readonly space: SearchSpace<A>;
  #entries: Entry<A>[] = [];
  #byKey = new Map<string, Entry<A>>();

  /**
   * @param space search space of the architectures.
   * @param landmarks initial landmarks, added in order with `options.onDuplicate`.
   */
  constructor(space: SearchSpace<A>, landmarks: Iterable<Landmark<A>> = [], options: AddLandmarkOptions = {}) {
    if (typeof space !== 'object' || space === null || typeof space.key !== 'function' || typeof space.format !== 'function') {
      throw new InvalidArgumentError("LandmarkSet: space must be a SearchSpace, e.g. getSpace('nb201').");
    }
    this.space = space;
    this.merge(landmarks, options);
  }

  /** Number of landmarks. */
  get size(): number {
    return this.#entries.length;
  }

  /** The landmarks, best metric first. */
  get landmarks(): Landmark<A>[] {
    return this.#entries.map((e) => e.landmark);
  }

  /** The architectures, best metric first (aligned with {@link LandmarkSet.groundTruth}). */
  get architectures(): A[] {
    return this.#entries.map((e) => e.landmark.architecture);
  }

  /** The stand-alone metrics, descending (aligned with {@link LandmarkSet.architectures}). */
  get groundTruth(): number[] {
    return this.#entries.map((e) => e.landmark.metric);
  }

  /** The `space.key` of each landmark, in the same order. */
  get keys(): string[] {
    return this.#entries.map((e) => e.key);
  }

  /** True when an architecture with the same `space.key` is in the set. */
  has(architecture: A): boolean {
    return this.#byKey.has(this.#keyOf(architecture, 'has'));
  }

  /** The landmark with the same `space.key` as `architecture`, if any. */
  get(architecture: A): Landmark<A> | undefined {
    return this.#byKey.get(this.#keyOf(architecture, 'get'))?.landmark;
  }

  /**
   * Adds a landmark. On a duplicate key, `'keep'` (default) leaves the set unchanged and
   * `'replace'` overwrites the existing landmark.
   *
   * @returns true when the set changed.
   * @throws InvalidArgumentError on a non-finite metric or a malformed optional field.
   */
  add(landmark: Landmark<A>, options: AddLandmarkOptions = {}): boolean {
    const policy = options.onDuplicate ?? 'keep';
    if (policy !== 'keep' && policy !== 'replace') {
      throw new InvalidArgumentError(`LandmarkSet.add: onDuplicate must be 'keep' or 'replace', got ${JSON.stringify(policy)}.`);
    }
    const entry = this.#makeEntry(landmark);
    const existing = this.#byKey.get(entry.key);
    if (existing !== undefined) {
      if (policy === 'keep') return false;
      this.#entries.splice(this.#entries.indexOf(existing), 1);
    }
    this.#insert(entry);
    return true;
  }

  /**
   * Adds every landmark of `other` (another set of the same space, or any iterable of landmarks)
   * with the given duplicate policy; `'keep'` means entries already here win.
   *
   * @returns how many landmarks were added or replaced.
   */
  merge(other: Iterable<Landmark<A>>, options: AddLandmarkOptions = {}): number {
    if (other instanceof LandmarkSet && other.space.name !== this.space.name) {
      throw new InvalidArgumentError(`LandmarkSet.merge: cannot merge landmarks of space '${other.space.name}' into a set of space '${this.space.name}'.`);
    }
    if (other === null || typeof other !== 'object' || typeof (other as Partial<Iterable<unknown>>)[Symbol.iterator] !== 'function') {
      throw new InvalidArgumentError('LandmarkSet.merge: expected a LandmarkSet or an array of landmarks.');
    }
    let changed = 0;
    for (const landmark of other) if (this.add(landmark, options)) changed++;
    return changed;
  }

  /** Removes the landmark with the same `space.key` as `architecture`; true when one was removed. */
  remove(architecture: A): boolean {
    const entry = this.#byKey.get(this.#keyOf(architecture, 'remove'));
    if (entry === undefined) return false;
    this.#byKey.delete(entry.key);
    this.#entries.splice(this.#entries.indexOf(entry), 1);
    return true;
  }

  /** Iterates the landmarks, best first. */
  [Symbol.iterator](): Iterator<Landmark<A>> {
    return this.landmarks[Symbol.iterator]();
  }

  /** The JSON form (architectures written with `space.format`), versioned; `JSON.stringify(set)` uses it. */
  toJSON(): LandmarkSetJson {
    return {
      format: LANDMARK_SET_FORMAT,
      version: LANDMARK_SET_VERSION,
      space: this.space.name,
      landmarks: this.#entries.map(({ landmark: l }) => {
        const out: Record<string, unknown> = { architecture: this.space.format(l.architecture), metric: l.metric };
        for (const f of OPTIONAL_FIELDS) if (l[f] !== undefined) out[f] = l[f];
        return out as unknown as LandmarkJson;
      }),
    };
  }

  /**
   * Rebuilds a set from its JSON form (the parsed value, not the text).
   *
   * @param file path to name in error messages, when the JSON came from a file.
   * @throws FileFormatError naming the file and the problem: not a landmark set, wrong version,
   *   another space, unknown fields, an architecture `space.parse` rejects, a non-finite metric, or
   *   two entries with the same key.
   */
  static fromJSON<A>(space: SearchSpace<A>, json: unknown, file?: string): LandmarkSet<A> {
    const bad = (message: string, cause?: unknown): FileFormatError =>
      new FileFormatError(file, `landmark set: ${message}`, cause === undefined ? undefined : { cause });
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw bad(
        `expected a JSON object, got ${Array.isArray(json) ? 'an array' : typeof json}${typeof json === 'string' ? ' (pass JSON.parse(text), not the text)' : ''}.`,
      );
    }
    const o = json as Record<string, unknown>;
    if (o['format'] !== LANDMARK_SET_FORMAT) {
      throw bad(`the 'format' field is ${JSON.stringify(o['format'])}, expected '${LANDMARK_SET_FORMAT}'; this is not an lmreg landmark set.`);
    }
    if (o['version'] !== LANDMARK_SET_VERSION) {
      throw bad(`unsupported version ${JSON.stringify(o['version'])}; this lmreg reads version ${LANDMARK_SET_VERSION}.`);
    }
    if (o['space'] !== space.name) {
      throw bad(`it holds landmarks of space ${JSON.stringify(o['space'])}, but space '${space.name}' was given.`);
    }
    for (const k of Object.keys(o)) if (!TOP_FIELDS.has(k)) throw bad(`unknown field '${k}'.`);
    const list = o['landmarks'];
    if (!Array.isArray(list)) throw bad(`'landmarks' must be an array.`);
    const set = new LandmarkSet(space);
    list.forEach((item: unknown, i) => {
      const where = `landmarks[${i}]`;
      if (typeof item !== 'object' || item === null || Array.isArray(item)) throw bad(`${where} must be an object.`);
      const e = item as Record<string, unknown>;
      for (const k of Object.keys(e)) {
        if (!LANDMARK_FIELDS.has(k)) throw bad(`${where} has an unknown field '${k}'; known fields: ${[...LANDMARK_FIELDS].join(', ')}.`);
      }
      const text = e['architecture'];
      if (typeof text !== 'string') throw bad(`${where}.architecture must be a string in ${space.name}'s format.`);
      let architecture: A;
      try {
        architecture = space.parse(text);
      } catch (error) {
        const why = error instanceof Error ? error.message : String(error);
        throw bad(`${where}.architecture ${JSON.stringify(text)} is not a valid ${space.name} architecture: ${why}`, error);
      }
      const metric = e['metric'];
      if (typeof metric !== 'number' || !Number.isFinite(metric)) {
        throw bad(`${where}.metric must be a finite number, got ${JSON.stringify(metric)}.`);
      }
      const landmark: Record<string, unknown> = { architecture, metric };
      for (const f of OPTIONAL_FIELDS) {
        const problem = optionalFieldProblem(f, e[f]);
        if (problem !== undefined) throw bad(`${where}.${f} ${problem}, got ${JSON.stringify(e[f])}.`);
        if (e[f] !== undefined) landmark[f] = e[f];
      }
      let entry: Entry<A>;
      try {
        entry = set.#makeEntry(landmark as unknown as Landmark<A>);
      } catch (error) {
        throw bad(`${where}: ${error instanceof Error ? error.message : String(error)}`, error);
      }
      const clash = set.#byKey.get(entry.key);
      if (clash !== undefined) {
        throw bad(`${where} (${JSON.stringify(text)}) has the same ${space.name} key as an earlier entry; each landmark must appear once.`);
      }
      set.#insert(entry);
    });
    return set;
  }

  #keyOf(architecture: A, method: string, checkFormat = false): string {
    try {
      const key = this.space.key(architecture);
      if (typeof key !== 'string') throw new TypeError(`space.key returned ${typeof key}`);
      if (checkFormat && typeof this.space.format(architecture) !== 'string') throw new TypeError('space.format failed');
      return key;
    } catch (error) {
      if (isLmregError(error)) throw error;
      throw new InvalidArgumentError(
        `LandmarkSet.${method}: ${JSON.stringify(architecture) ?? String(architecture)} is not an architecture of space '${this.space.name}'.`,
        { cause: error },
      );
    }
  }

  #makeEntry(landmark: Landmark<A>): Entry<A> {
    if (typeof landmark !== 'object' || landmark === null) {
      throw new InvalidArgumentError('LandmarkSet.add: a landmark must be an object { architecture, metric }.');
    }
    if (typeof landmark.metric !== 'number' || !Number.isFinite(landmark.metric)) {
      throw new InvalidArgumentError(`LandmarkSet.add: metric must be a finite number, got ${String(landmark.metric)}.`);
    }
    const copy: Record<string, unknown> = { architecture: landmark.architecture, metric: landmark.metric };
    for (const f of OPTIONAL_FIELDS) {
      const problem = optionalFieldProblem(f, landmark[f]);
      if (problem !== undefined) throw new InvalidArgumentError(`LandmarkSet.add: ${f} ${problem}, got ${String(landmark[f])}.`);
      if (landmark[f] !== undefined) copy[f] = landmark[f];
    }
    const key = this.#keyOf(landmark.architecture, 'add', true);
    return { key, landmark: Object.freeze(copy) as unknown as Landmark<A> };
  }

  #insert(entry: Entry<A>): void {
    let lo = 0;
    let hi = this.#entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareEntries(this.#entries[mid] as Entry<A>, entry) <= 0) lo = mid + 1;
      else hi = mid;
    }
    this.#entries.splice(lo, 0, entry);
    this.#byKey.set(entry.key, entry);
  }
}
