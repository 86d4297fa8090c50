import { InvalidArgumentError } from '@lmreg/common';

/**
 * Validation shared by every network builder: the options must be an object with an integer
 * `seed`; returns a reader of positive-integer options with defaults. `network` names the builder
 * in messages (e.g. `NB201`).
 */
export function networkOptionReader(network: string, options: unknown): (name: string, value: number | undefined, fallback: number) => number {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError(`${network} network options must be an object with at least { seed }.`);
  }
  const seed = (options as { seed?: unknown }).seed;
  if (!Number.isSafeInteger(seed)) {
    throw new InvalidArgumentError(`${network} network option 'seed' must be an integer, got ${String(seed)}.`);
  }
  return (name, value, fallback) => {
    const v = value ?? fallback;
    if (!Number.isSafeInteger(v) || v <= 0) {
      throw new InvalidArgumentError(`${network} network option '${name}' must be a positive integer, got ${String(v)}.`);
    }
    return v;
  };
}
