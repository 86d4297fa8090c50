import { InvalidArchitectureError, InvalidArgumentError } from '@lmreg/common';
import type { SearchSpace } from '@lmreg/spaces';

/** The fields every sampler's state shares, read and checked by {@link readSamplerState}. */
export interface CommonSamplerState {
  /** The whole state object, for sampler-specific fields (e.g. `extra`). */
  readonly raw: Readonly<Record<string, unknown>>;
  readonly options: Record<string, number>;
  readonly pathSeed: number;
  readonly searchRng: number[];
  /** Fitness by formatted architecture. */
  readonly records: Map<string, number>;
  /** Evaluations in the order they happened. */
  readonly order: [string, number][];
  /** Throws `InvalidArgumentError` naming the sampler and the bad field. */
  readonly bad: (what: string) => never;
}

/**
 * Validates the common part of a `SamplerState` (format, version, sampler and space names,
 * options, path seed, search generator, evaluated records) for `samplerName.loadState`. Every
 * problem throws `InvalidArgumentError` naming the field.
 */
export function readSamplerState<A>(
  samplerName: string,
  space: SearchSpace<A>,
  state: unknown,
  resolveOptions: (raw: unknown) => Record<string, number>,
): CommonSamplerState {
  const bad = (what: string): never => {
    throw new InvalidArgumentError(`${samplerName}.loadState: ${what}; pass the unmodified JSON from sampler.state().`);
  };
  if (state === null || typeof state !== 'object' || Array.isArray(state)) bad('the state must be an object');
  const o = state as Record<string, unknown>;
  if (o['format'] !== 'lmreg-sampler-state') bad(`'format' must be 'lmreg-sampler-state', got ${JSON.stringify(o['format'])}`);
  if (o['version'] !== 1) bad(`unsupported state version ${JSON.stringify(o['version'])} (this version reads 1)`);
  if (o['sampler'] !== samplerName)
    bad(`the state was written by sampler ${JSON.stringify(o['sampler'])}, not '${samplerName}'; load it into getSampler(${JSON.stringify(o['sampler'])})`);
  if (o['space'] !== space.name) bad(`the state is for space ${JSON.stringify(o['space'])} but init used '${space.name}'; call init with that space first`);
  let options: Record<string, number>;
  try {
    options = resolveOptions(o['options']);
  } catch (error) {
    throw new InvalidArgumentError(`${samplerName}.loadState: bad 'options': ${(error as Error).message}`, { cause: error });
  }
  const pathSeed = o['pathSeed'];
  if (!Number.isSafeInteger(pathSeed)) bad(`'pathSeed' must be an integer, got ${JSON.stringify(pathSeed)}`);
  const searchRng = o['searchRng'];
  if (!Array.isArray(searchRng) || searchRng.length !== 4 || !searchRng.every((x) => Number.isInteger(x))) {
    bad(`'searchRng' must be the 4 integers of Rng.state(), got ${JSON.stringify(searchRng)}`);
  }
  const evaluated = o['evaluated'];
  if (!Array.isArray(evaluated)) bad(`'evaluated' must be an array of [arch, fitness] pairs`);
  const records = new Map<string, number>();
  const order: [string, number][] = [];
  (evaluated as unknown[]).forEach((entry, i) => {
    if (!Array.isArray(entry) || entry.length !== 2 || typeof entry[0] !== 'string' || typeof entry[1] !== 'number' || !Number.isFinite(entry[1])) {
      bad(`'evaluated[${i}]' must be [formatted architecture, finite fitness], got ${JSON.stringify(entry)}`);
    }
    const [text, fitness] = entry as [string, number];
    let key: string;
    try {
      key = space.format(space.parse(text));
    } catch (error) {
      if (!(error instanceof InvalidArchitectureError)) throw error;
      throw new InvalidArgumentError(`${samplerName}.loadState: 'evaluated[${i}]' is not an architecture of '${space.name}': ${error.message}`, {
        cause: error,
      });
    }
    if (records.has(key)) bad(`'evaluated' lists ${key} twice`);
    records.set(key, fitness);
    order.push([key, fitness]);
  });
  return { raw: o, options, pathSeed: pathSeed as number, searchRng: [...(searchRng as number[])], records, order, bad };
}
