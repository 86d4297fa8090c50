import fs from 'node:fs';
import path from 'node:path';

import { createRng } from '@lmreg/common';
import { getSpace, type Nb201Arch } from '@lmreg/spaces';

import { sampleTableArchitectures, type GroundTruthRow } from '../ground-truth/build.js';
import type { GroundTruthConfig } from '../ground-truth/config.js';
import { finishGroundTruth } from '../ground-truth/table.js';

/** A ground-truth config small enough for tests on the cpu backend (embedded data, 8x8, C=2). */
export const TINY_GROUND_TRUTH: GroundTruthConfig = {
  space: 'nb201',
  dataset: 'fashion-mnist-mini',
  imageSize: 8,
  channels: 2,
  cells: 1,
  trainSubset: 64,
  validSubset: 32,
  testSubset: 32,
  augment: false,
  dataSeed: 0,
  archs: 3,
  sampleSeed: 4,
  seeds: [0, 1],
  recipe: { epochs: 1, batchSize: 32, lr: 0.05, lrMin: 0.001, momentum: 0.9, weightDecay: 5e-4, gradClip: 5 },
};

const nb201 = getSpace<Nb201Arch>('nb201');

/** Writes a finished synthetic table (rows with made-up accuracies: they grow with the index) for plumbing tests. */
export function writeSyntheticTable(dir: string, count: number, options: { seeds?: number[]; noise?: number } = {}): Nb201Arch[] {
  const seeds = options.seeds ?? [0, 1];
  const config: GroundTruthConfig = { ...TINY_GROUND_TRUTH, archs: count, seeds };
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
  const archs = sampleTableArchitectures(nb201, count, config.sampleSeed);
  const rng = createRng(11);
  const rows: GroundTruthRow[] = archs.flatMap((arch, index) =>
    seeds.map((seed) => ({
      index,
      arch: nb201.format(arch),
      key: nb201.key(arch),
      seed,
      testAccuracy: Math.round((0.5 + index / (2 * count) + (options.noise ?? 0) * (rng.float() - 0.5)) * 2000) / 2000,
      validAccuracy: 0.5 + index / (2 * count),
      testLoss: 1,
      params: 1000 + index,
      seconds: 1,
      backend: 'cpu',
    })),
  );
  fs.writeFileSync(path.join(dir, 'rows-all.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  finishGroundTruth(dir, { command: 'synthetic test table', version: '0.0.0', name: 'synthetic' });
  return archs;
}
