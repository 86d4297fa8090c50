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

/** The `darts` network builder (registered by default). */
export const dartsNetworkBuilder: NetworkBuilder<DartsLikeGenotype, DartsNetworkBuildOptions> = {
  space: 'darts',
  createSupernet: createDartsSupernet,
  createNetwork: createDartsNetwork,
};
