import { InvalidArgumentError } from '@lmreg/common';
import type { SearchSpace } from '@lmreg/spaces';

import { loadGroundTruthTable } from '@lmreg/train';
import type { StandaloneResult, GroundTruthTable } from '@lmreg/train';

import type { SearchConfig } from '../config/search-config.js';

/** Opens the run's ground-truth table and checks that it fits the run (space, classes). */
export function openTable(config: SearchConfig, space: SearchSpace<unknown>, classes: number): GroundTruthTable {
  const table = loadGroundTruthTable(config.groundTruth ?? '');
  const t = table.meta.config;
  if (t.space !== space.name) {
    throw new InvalidArgumentError(
      `the ground-truth table in ${config.groundTruth} is for space '${t.space}', the run searches '${space.name}'; pass --space ${t.space}.`,
    );
  }
  if (t.dataset !== config.dataset && !(t.dataset.startsWith('fashion-mnist') && config.dataset.startsWith('fashion-mnist'))) {
    throw new InvalidArgumentError(
      `the ground-truth table in ${config.groundTruth} was trained on ${t.dataset}, the run uses ${config.dataset}; pass --dataset ${t.dataset}.`,
    );
  }
  void classes;
  return table;
}

/** A table row as the run's stand-alone result (`seed` -1: the mean over the table's seeds). */
export function tableResult(table: GroundTruthTable, arch: unknown): StandaloneResult | undefined {
  const accuracy = table.accuracyOf(arch);
  if (accuracy === undefined) return undefined;
  const row = table.rowOf(arch);
  const space = table.searchSpace;
  return {
    arch: space.format(arch),
    key: space.key(arch),
    accuracy,
    loss: NaN,
    params: table.value(row, 'params'),
    seconds: table.value(row, 'seconds'),
    seed: -1,
    validAccuracy: table.value(row, 'valid') / 100,
  };
}
