import { InvalidArgumentError } from '@lmreg/common';
import type { DartsLikeGenotype } from '@lmreg/spaces';

import { dartsNetworkBuilder } from './darts-builder.js';
import { DartsNetwork } from './darts-network.js';
import { dartsWeightedForward } from './darts-weighted-forward.js';
import { depthNetworkBuilders } from './depth-network.js';
import { nb101NetworkBuilder } from './nb101-network.js';
import { Nb201Network, nb201NetworkBuilder, type Nb201ArchLike } from './nb201-network.js';
import { nb201WeightedForward } from './nb201-weighted-forward.js';
import type { AnyNetworkBuilder } from './network.js';

/**
 * The built-in network builders, registered lazily by the registry on its first call. NB201's and
 * DARTS' have the weighted forward GDAS needs (`nb201WeightedForward`: one weight vector per edge;
 * `dartsWeightedForward`: one per position of the darts encoding, the op and the input of every
 * pair each scaling the pair's output straight-through). Add an entry here when a builder is added
 * to the package.
 */
export const BUILTIN_NETWORK_BUILDERS: readonly AnyNetworkBuilder[] = [
  {
    ...nb201NetworkBuilder,
    weightedForward: (supernet, arch, weights, x) => {
      if (!(supernet instanceof Nb201Network))
        throw new InvalidArgumentError('the nb201 weighted forward runs on the NB201 super-net (createSupernet), not another network.');
      return nb201WeightedForward(supernet, arch as Nb201ArchLike, weights, x);
    },
  },
  nb101NetworkBuilder,
  {
    ...dartsNetworkBuilder,
    weightedForward: (supernet, arch, weights, x) => {
      if (!(supernet instanceof DartsNetwork))
        throw new InvalidArgumentError('the darts weighted forward runs on the DARTS super-net (createSupernet), not another network.');
      return dartsWeightedForward(supernet, arch as DartsLikeGenotype, weights, x);
    },
  },
  ...depthNetworkBuilders,
];
