import type { DartsLikeGenotype } from '@lmreg/spaces';

import { DartsNetwork } from './darts-network.js';
import type { DartsNetworkBuildOptions } from './darts-plan.js';
import type { NetworkBuilder } from './network.js';

/**
 * Creates the DARTS super-net: weights for every op on each of the 14 edges of every cell; a DARTS
 * genotype's path is computed per call. The caller owns it (call `dispose()`).
 */
export function createDartsSupernet(options: DartsNetworkBuildOptions): DartsNetwork {
  return new DartsNetwork(options);
}

/**
 * Creates the stand-alone `NetworkCIFAR` of a DARTS(-family) genotype; its variables hold exactly
 * `dartsParamCount` parameters. The caller owns it.
 */
export function createDartsNetwork(arch: DartsLikeGenotype, options: DartsNetworkBuildOptions): DartsNetwork {
  return new DartsNetwork(options, arch);
}

/**
 * The `darts` network builder. The one registered by default (`getNetworkBuilder('darts')`) also
 * has `weightedForward`, GDAS's forward on the super-net (`dartsWeightedForward`): one weight
 * vector per position of the darts encoding (per pair, its op over `DARTS_OPS` and its input); the
 * pair's output is scaled by the chosen op's weight times the chosen input's weight, and every
 * candidate not chosen adds its weight as a scalar (GDAS's straight-through form, 0 in value).
 */
export const dartsNetworkBuilder: NetworkBuilder<DartsLikeGenotype, DartsNetworkBuildOptions> = {
  space: 'darts',
  createSupernet: createDartsSupernet,
  createNetwork: createDartsNetwork,
};
