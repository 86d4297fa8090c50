import { InvalidArchitectureError, InvalidArgumentError, type Rng } from '@lmreg/common';

import type { SearchSpace } from '../registry/search-space.js';

/** A search space cut down to a fixed list of architectures (e.g. the rows of a tabular benchmark). */
export interface RestrictedSpace<A> extends SearchSpace<A> {
  /** The space the members come from. */
  readonly base: SearchSpace<A>;
  /** The members, distinct by `base.key`, in the order given. */
  readonly members: readonly A[];
  /** Whether `a` (any architecture of the base space) is a member. */
  has(a: A): boolean;
  /** The member closest to `a` under `base.distance` (the member itself for a member; ties: first in `members`). */
  nearest(a: A): A;
}

/**
 * Restricts `base` to `members`, so that samplers and searches stay inside a table of known
 * architectures: `sample` draws a member uniformly, `mutate` takes one `base.mutate` step and moves
 * to a random one of the other members closest to where it landed (by `base.distance`), `enumerate`
 * lists the members, and `parse`/`decode`
 * refuse architectures that are not members. `name`, `key`, `format`, `encode` and `distance` are
 * the base space's, so network builders keyed by space name still apply. A mutation walk can cycle
 * inside a tight cluster of members (seen in a property test on 20 random NB201 members).
 *
 * `mutationDistance` is `base.encodingLength` (a mutation may land on any member). `mutate` and
 * `nearest` cost O(members) distances.
 *
 * @throws InvalidArgumentError when `members` is empty.
 */
export function restrictSpace<A>(base: SearchSpace<A>, members: Iterable<A>): RestrictedSpace<A> {
  const list: A[] = [];
  const index = new Map<string, number>();
  for (const m of members) {
    const k = base.key(m);
    if (index.has(k)) continue;
    index.set(k, list.length);
    list.push(m);
  }
  if (list.length === 0) {
    throw new InvalidArgumentError(`restrictSpace: the restriction of '${base.name}' needs at least one architecture; got none.`);
  }
  const member = (a: A, what: string): A => {
    if (!index.has(base.key(a))) {
      throw new InvalidArchitectureError(
        base.name,
        `${what} is a valid '${base.name}' architecture but not one of the ${list.length} architectures of this restricted space (e.g. the rows of a table): ${base.format(a)}.`,
      );
    }
    return a;
  };
  /** Members other than `exclude` closest to `a` (all of them at the smallest distance). */
  const closest = (a: A, exclude: string | undefined): A[] => {
    let best = Infinity;
    let out: A[] = [];
    for (const m of list) {
      if (exclude !== undefined && base.key(m) === exclude) continue;
      const d = base.distance(a, m);
      if (d < best) {
        best = d;
        out = [m];
      } else if (d === best) out.push(m);
    }
    return out;
  };
  const space: RestrictedSpace<A> = {
    base,
    members: list,
    name: base.name,
    size: BigInt(list.length),
    // A mutation may land on any member: the bound is the largest distance an encoding allows.
    mutationDistance: Math.max(1, base.encodingLength),
    encodingLength: base.encodingLength,
    encodingBounds: base.encodingBounds,
    sample: (rng: Rng): A => list[rng.int(list.length)] as A,
    mutate: (a: A, rng: Rng): A => {
      if (list.length === 1) return list[0] as A;
      // One step of the base space, then the closest other member: walks follow the base space's
      // random directions. Two members that are each other's only near neighbours can trap a
      // walk (it alternates between them); searches keep their diversity from random members.
      return rng.pick(closest(base.mutate(a, rng), base.key(a)));
    },
    distance: (a, b) => base.distance(a, b),
    encode: (a) => base.encode(a),
    decode: (v) => member(base.decode(v), 'The decoded vector'),
    format: (a) => base.format(a),
    parse: (text) => member(base.parse(text), `'${text}'`),
    key: (a) => base.key(a),
    enumerate: () => list[Symbol.iterator](),
    has: (a) => index.has(base.key(a)),
    nearest: (a) => {
      const i = index.get(base.key(a));
      return i !== undefined ? (list[i] as A) : (closest(a, undefined)[0] as A);
    },
  };
  return space;
}
