import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus, xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
import type { JumpableRandomGenerator } from 'pure-rand/types/JumpableRandomGenerator';

import { InvalidArgumentError } from '../errors/lmreg-error.js';

/**
 * A seeded random number generator. The same seed gives the same sequence on every machine
 * (xoroshiro128+ from `pure-rand`, integer arithmetic only). Its state can be saved in a
 * checkpoint and restored with {@link createRngFromState}.
 */
export interface Rng {
  /** Uniform integer in `[0, n)`; `n` must be a positive safe integer. */
  int(n: number): number;
  /** Uniform float in `[0, 1)` with 53 random bits. */
  float(): number;
  /** Picks one element of a non-empty array uniformly. */
  pick<T>(items: readonly T[]): T;
  /** Returns a shuffled copy (Fisher-Yates). */
  shuffle<T>(items: readonly T[]): T[];
  /** Standard normal sample (Box-Muller). */
  normal(): number;
  /** A new generator seeded from this one (for independent streams). */
  fork(): Rng;
  /** The generator state as plain integers, for checkpoints. */
  state(): number[];
}

class XoroshiroRng implements Rng {
  #gen: JumpableRandomGenerator;

  constructor(gen: JumpableRandomGenerator) {
    this.#gen = gen;
  }

  int(n: number): number {
    if (!Number.isSafeInteger(n) || n <= 0) {
      throw new InvalidArgumentError(`Rng.int(n) needs a positive safe integer n, got ${String(n)}.`);
    }
    return uniformInt(this.#gen, 0, n - 1);
  }

  float(): number {
    // 26 + 27 bits, the construction used by most 53-bit float generators.
    const a = uniformInt(this.#gen, 0, (1 << 26) - 1);
    const b = uniformInt(this.#gen, 0, (1 << 27) - 1);
    return (a * 134217728 + b) / 9007199254740992;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new InvalidArgumentError('Rng.pick needs a non-empty array.');
    return items[this.int(items.length)] as T;
  }

  shuffle<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = out[i] as T;
      out[i] = out[j] as T;
      out[j] = t;
    }
    return out;
  }

  normal(): number {
    let u = 0;
    while (u === 0) u = this.float();
    const v = this.float();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  fork(): Rng {
    return createRng(uniformInt(this.#gen, 0, 0x7fffffff));
  }

  state(): number[] {
    return [...this.#gen.getState()];
  }
}

/** Creates a seeded {@link Rng}. `seed` must be an integer (any safe integer; taken modulo 2^32). */
export function createRng(seed: number): Rng {
  if (!Number.isSafeInteger(seed)) {
    throw new InvalidArgumentError(`createRng(seed) needs an integer seed, got ${String(seed)}.`);
  }
  return new XoroshiroRng(xoroshiro128plus(seed | 0));
}

/** Restores an {@link Rng} from {@link Rng.state}. Throws `InvalidArgumentError` on a malformed state. */
export function createRngFromState(state: readonly number[]): Rng {
  if (!Array.isArray(state) || state.length !== 4 || !state.every((x) => Number.isInteger(x))) {
    throw new InvalidArgumentError(`createRngFromState needs the 4 integers returned by Rng.state(), got ${JSON.stringify(state)}.`);
  }
  return new XoroshiroRng(xoroshiro128plusFromState(state));
}
