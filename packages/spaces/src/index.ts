export type { Rng } from '@lmreg/common';
export { createRng, createRngFromState, InvalidArchitectureError } from '@lmreg/common';
export { getSpace, listSpaces, registerSpace } from './registry/registry.js';
export type { AnySearchSpace, SearchSpace } from './registry/search-space.js';
export { hamming } from './registry/search-space.js';
export { createDartsSpace } from './darts/darts-space.js';
export type { DartsGenotype, DartsLikeGenotype, DartsOp, DartsPair } from './darts/genotype.js';
export { assertDartsGenotype, canonicalDartsGenotype, DARTS_CONCAT, DARTS_NODES, DARTS_OPS, isDartsOp } from './darts/genotype.js';
export type { ParsedDartsLikeGenotype } from './darts/genotype-format.js';
export { formatDartsGenotype, parseDartsGenotype, parseDartsLikeGenotype, toDartsGenotype } from './darts/genotype-format.js';
export type { NaslibCompact } from './darts/naslib-compact.js';
export { dartsFromNaslibCompact, dartsToNaslibCompact, NASLIB_NB301_OPS } from './darts/naslib-compact.js';
export type { DartsNetworkOptions } from './darts/param-count.js';
export { DARTS_PARAM_COUNT_OPS, dartsParamCount } from './darts/param-count.js';
export type { DartsCountingRule } from './darts/space-size.js';
export { dartsSpaceSize } from './darts/space-size.js';
export type { DepthArch, DepthBlock, DepthEdgeOp, DepthSpace, DepthUpsampleOp, DepthVariant } from './depth/depth-space.js';
export {
  createDepthSpace,
  DEPTH_DECODER_BLOCKS,
  DEPTH_EDGE_OPS,
  DEPTH_EDGES,
  DEPTH_UPSAMPLE_OPS,
  DEPTH_VARIANTS,
  depthDecoderBlocks,
} from './depth/depth-space.js';
export { NB101_CELL_COUNT } from './nb101/nb101-enumerate.js';
export { nb101Hash } from './nb101/nb101-hash.js';
export type { Nb101NetworkOptions } from './nb101/nb101-params.js';
export { nb101ParamCount } from './nb101/nb101-params.js';
export type { Nb101Space } from './nb101/nb101-space.js';
export { createNb101Space } from './nb101/nb101-space.js';
export type { Nb101Arch, Nb101Op, Nb101Spec, Nb101VertexLabel } from './nb101/nb101-spec.js';
export { NB101_MAX_EDGES, NB101_MAX_VERTICES, NB101_OPS, nb101FromSpec, nb101Prune } from './nb101/nb101-spec.js';
export type { Nb201Arch, Nb201Op } from './nb201/nb201-arch.js';
export { NB201_EDGES, NB201_OPS } from './nb201/nb201-arch.js';
export { nb201FromIndex, nb201Index } from './nb201/nb201-index.js';
export type { Nb201NetworkOptions } from './nb201/nb201-params.js';
export { nb201ParamCount } from './nb201/nb201-params.js';
export type { Nb201Space } from './nb201/nb201-space.js';
export { createNb201Space, formatNb201, nb201Key, parseNb201 } from './nb201/nb201-space.js';
export type { RestrictedSpace } from './restrict/restrict-space.js';
export { restrictSpace } from './restrict/restrict-space.js';
