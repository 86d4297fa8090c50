import { InvalidArgumentError } from '@lmreg/common';

import { dartsNetworkBuilder } from './darts-builder.js';
import { depthNetworkBuilders } from './depth-network.js';
import { nb101NetworkBuilder } from './nb101-network.js';
import { Nb201Network, nb201NetworkBuilder, type Nb201ArchLike } from './nb201-network.js';
import { nb201WeightedForward } from './nb201-weighted-forward.js';
import type { AnyNetworkBuilder } from './network.js';

/**
 * The built-in network builders, registered lazily by the registry on its first call. NB201's has
 * the weighted forward GDAS needs. Add an entry here when a builder is added to the package.
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
  dartsNetworkBuilder,
  ...depthNetworkBuilders,
];
