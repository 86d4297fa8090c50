import type { Rng } from '@lmreg/common';
import type { SearchSpace } from '@lmreg/spaces';

/** What {@link Sampler.init} needs: the search space and a seeded random generator. */
export interface SamplerInit<A> {
  /** The space the sampler draws from (e.g. `getSpace('nb201')`). */
  readonly space: SearchSpace<A>;
  /**
   * Seeded generator. `init` draws the sampler's own seeds from it once, so two samplers initialised
   * from generators in the same state behave identically.
   */
  readonly rng: Rng;
}

/**
 * Fitness of one architecture, higher is better: a super-net accuracy, or a table lookup such as
 * {@link TabularOracle.evaluate}. May be asynchronous. Must return a finite number.
 */
export type Evaluate<A> = (arch: A) => Promise<number> | number;

/** One evaluated candidate returned by {@link Sampler.propose}. */
export interface Proposal<A> {
  /** The architecture. */
  readonly arch: A;
  /** Its fitness, as returned by the `evaluate` callback. */
  readonly fitness: number;
}

/**
 * Passed to {@link Sampler.stepArchitecture} once per training step by the trainer. Samplers with
 * their own architecture parameters (GDAS) extend it with what they need (e.g. a closure giving the
 * validation loss); the uniform samplers of this package have no `stepArchitecture`.
 */
export interface ArchitectureStepContext {
  /** Global training step (batch counter), 0-based. */
  readonly step: number;
  /** Fraction of the search training done, in `[0, 1]` (drives schedules such as GDAS's tau). */
  readonly progress: number;
}

/** A JSON value (what {@link Sampler.state} returns survives `JSON.stringify`/`JSON.parse`). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * Serialisable sampler state, as returned by {@link Sampler.state}. Plain JSON: write it into a
 * checkpoint, read it back with `JSON.parse` and pass it to {@link Sampler.loadState}.
 */
export interface SamplerState {
  /** Always `'lmreg-sampler-state'`. */
  readonly format: 'lmreg-sampler-state';
  /** Format version, currently 1. */
  readonly version: 1;
  /** Registry name of the sampler that wrote the state. */
  readonly sampler: string;
  /** Name of the search space the sampler was initialised with. */
  readonly space: string;
  /** The sampler's resolved options (budget, population, ...). */
  readonly options: { readonly [key: string]: JsonValue };
  /** 32-bit seed from which `pathForBatch(step)` derives the path of every step. */
  readonly pathSeed: number;
  /** Generator state at the start of the search (`Rng.state()`); the search replays from it. */
  readonly searchRng: readonly number[];
  /** Architectures evaluated so far, in order: `[space.format(arch), fitness]`. */
  readonly evaluated: readonly (readonly [arch: string, fitness: number])[];
  /** Sampler-specific extra state (architecture parameters of GDAS, ...); absent for uniform samplers. */
  readonly extra?: JsonValue;
}

/**
 * The lifecycle a weight-sharing training loop drives:
 *
 * 1. `init({ space, rng })` once (or `init` then `loadState(saved)` to resume);
 * 2. during super-net training, `pathForBatch(step)` gives the architecture (single path) to train
 *    on each batch, and `stepArchitecture(context)` (only for samplers with architecture parameters)
 *    updates those parameters;
 * 3. after training, `propose(evaluate, budget)` searches with the fitness `evaluate` (super-net
 *    accuracy, or a table lookup) and returns the evaluated candidates, best first;
 * 4. `state()` at any point (also from inside `evaluate`, mid-search) gives JSON that, loaded into a
 *    fresh sampler, continues identically: a resumed `propose` replays the recorded evaluations
 *    without calling `evaluate` for them.
 *
 * A sampler instance is stateful and belongs to one run; get a new one per run from
 * {@link getSampler} or a `create*Sampler` factory.
 */
export interface Sampler<A = unknown> {
  /** Registry name, e.g. `'spos'`. */
  readonly name: string;
  /** Binds the sampler to a space and draws its seeds from `rng`. Resets any previous state. */
  init(init: SamplerInit<A>): void;
  /**
   * The architecture to train on the batch with global step `step` (a non-negative integer). A
   * pure function of the seed drawn at `init` and `step`: asking again for a step (after a resume,
   * or to redo a batch) gives the same path.
   */
  pathForBatch(step: number): A;
  /** Updates the sampler's own architecture parameters; only samplers that have some define it. */
  stepArchitecture?(context: ArchitectureStepContext): void | Promise<void>;
  /**
   * Searches the space with the fitness `evaluate`, calling it at most `budget` times, never twice
   * for the same architecture (same `space.format`), and one call at a time. Returns every
   * architecture the search evaluated, best fitness first (ties: earlier evaluation first).
   * `budget` defaults to the sampler's `budget` option and is capped at the space's size. Errors
   * thrown by `evaluate` propagate; the evaluations that completed stay in `state()`.
   */
  propose(evaluate: Evaluate<A>, budget?: number): Promise<Proposal<A>[]>;
  /** JSON snapshot of everything needed to continue identically (see {@link SamplerState}). */
  state(): SamplerState;
  /**
   * Restores a snapshot from {@link state}. Call after `init` with the same space; the snapshot's
   * options replace the sampler's. Throws `InvalidArgumentError` naming the problem when the
   * snapshot is malformed or belongs to another sampler or space.
   */
  loadState(state: SamplerState): void;
}

/** A registry entry: how to make a sampler, and which spaces it supports. */
export interface SamplerDefinition {
  /** Registry name, e.g. `'random'`. */
  readonly name: string;
  /** One sentence for listings and error messages. */
  readonly description: string;
  /**
   * Spaces the sampler supports: registry names, or `'any'` for samplers that only use the
   * {@link SearchSpace} interface. The shared contract suite runs the sampler on each of them.
   */
  readonly spaces: readonly string[] | 'any';
  /** Makes a new, uninitialised sampler. Throws `InvalidArgumentError` on bad options. */
  create(options?: Readonly<Record<string, unknown>>): Sampler;
  /** What the sampler can do beyond the {@link Sampler} interface; trainers read this, never the name. */
  readonly capabilities?: SamplerCapabilities;
  /**
   * The sampler's options for a search of the given size (what `lmreg search` passes to `create`).
   * Default: `{ budget }`.
   */
  optionsFor?(search: SearchSize): Record<string, unknown>;
}

/** The generic size of a search, mapped to each sampler's own options by {@link SamplerDefinition.optionsFor}. */
export interface SearchSize {
  /** Distinct architectures evaluated. */
  readonly budget: number;
  /** Population of evolutionary searches. */
  readonly population: number;
  /** Tournament size of evolutionary searches. */
  readonly tournament: number;
}

/** Capabilities a sampler declares in its {@link SamplerDefinition}. */
export interface SamplerCapabilities {
  /**
   * `stepArchitecture` needs a weighted forward of the super-net on a batch of its own split:
   * the trainer passes a context with `loss(weights, arch)` (GDAS). Absent: no architecture step.
   */
  readonly architectureStep?: 'weighted-forward';
  /** The sampler has `argmaxArch()`, the architecture its parameters prefer. */
  readonly argmax?: boolean;
  /**
   * Its searches stay inside the space they were given (`sample`/`mutate` of the space), so a
   * search on a table can run on the table's restricted space. False (default): it generates
   * architectures of the whole space (decoders, distributions) that a trainer projects onto the table.
   */
  readonly searchesInsideSpace?: boolean;
}
