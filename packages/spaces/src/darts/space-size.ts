import { InvalidArgumentError } from '@lmreg/common';

import { describeValue } from '../registry/describe-value.js';
import { DARTS_NODES, DARTS_OPS } from './genotype.js';

/**
 * How to count DARTS architectures (two cells, 4 intermediate nodes each, node `k` reading two of
 * the states `0 .. k + 1`):
 * - `'encoding'`: what the space's encoding enumerates and `createDartsSpace().size` reports: each
 *   of the 32 `(op, input)` slots free, 8 ops including `none`, the two pairs of a node ordered and
 *   allowed to read the same input: `(8^8 * (2*3*4*5)^2)^2` ≈ 5.84e22.
 * - `'isomorphism'`: distinct `key`s, i.e. networks up to the isomorphisms `key` applies (pairs of
 *   a node unordered, a `none` pair's input irrelevant): per node `m(m+1)/2` with
 *   `m = 7 (k + 2) + 1` distinct pairs, over the 8 nodes ≈ 7.74e19.
 * - `'darts-paper'`: the DARTS paper's "≈ 10^18": `none` excluded (7 ops), the two inputs of a node
 *   distinct and unordered, each with its own op: `(prod_k C(k + 2, 2) * 7^2)^2` ≈ 1.08e18.
 * - `'landmark-paper'`: the Landmark-Regularization paper's "3.3 × 10^13" equals `7^16`: one of 7
 *   non-`none` ops on each of the 16 edges with the edges themselves held fixed, i.e. only op
 *   choices are counted. No other natural rule we tried lands near 3.3e13.
 */
export type DartsCountingRule = 'encoding' | 'isomorphism' | 'darts-paper' | 'landmark-paper';

function binomial2(n: bigint): bigint {
  return (n * (n - 1n)) / 2n;
}

/**
 * Number of architectures in the DARTS space under `rule` (see {@link DartsCountingRule}); the
 * default `'encoding'` rule is the space's `size`.
 */
export function dartsSpaceSize(rule: DartsCountingRule = 'encoding'): bigint {
  const ops = BigInt(DARTS_OPS.length);
  const realOps = ops - 1n; // without none
  let cell = 1n;
  for (let k = 0; k < DARTS_NODES; k++) {
    const inputs = BigInt(k + 2);
    switch (rule) {
      case 'encoding':
        cell *= (ops * inputs) ** 2n;
        break;
      case 'isomorphism': {
        const m = realOps * inputs + 1n;
        cell *= (m * (m + 1n)) / 2n;
        break;
      }
      case 'darts-paper':
        cell *= binomial2(inputs) * realOps ** 2n;
        break;
      case 'landmark-paper':
        cell *= realOps ** 2n;
        break;
      default:
        throw new InvalidArgumentError(
          `dartsSpaceSize: unknown counting rule ${describeValue(rule)}; use 'encoding', 'isomorphism', 'darts-paper' or 'landmark-paper'.`,
        );
    }
  }
  return cell * cell;
}
