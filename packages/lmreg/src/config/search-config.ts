import fs from 'node:fs';
import path from 'node:path';

import { findDangerousKeys, InvalidArgumentError, rejectDangerousKeys } from '@lmreg/common';
import { listSchedules } from '@lmreg/core';
import { getSamplerDefinition, listSamplers } from '@lmreg/samplers';
import { listSpaces } from '@lmreg/spaces';
import { BACKEND_REQUESTS, ConfigError, DATASET_NAMES, listNetworkBuilders, standaloneSchema } from '@lmreg/train';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

export { ConfigError };

/** A string that must name an entry of a registry (read when the config is validated, so plugins registered before count). */
const registered = (what: string, list: () => readonly string[]) =>
  z
    .string()
    .min(1)
    .superRefine((name, ctx) => {
      const names = list();
      if (!names.includes(name)) ctx.addIssue({ code: 'custom', message: `unknown ${what} '${name}'; registered: ${names.join(', ')}` });
    });
const spacesWithNetworks = (): string[] => listSpaces().filter((s) => listNetworkBuilders().includes(s));

const positiveInt = z.number().int().positive();
const nonNegative = z.number().nonnegative();

/** The landmark ranking term. */
export const rankingSchema = z.strictObject({
  enabled: z.boolean().meta({ negate: 'landmark-term', description: 'no landmark term: with --no-baseline, train only the baseline super-net' }),
  lambdaMax: nonNegative.meta({ flag: 'lambda-max', description: 'largest weight of the landmark term' }),
  schedule: registered('lambda schedule', listSchedules).meta({
    flag: 'schedule',
    value: '<name>',
    description: 'lambda schedule (registered in @lmreg/core: constant, cosine-increasing, ...)',
  }),
  pairs: positiveInt.meta({ flag: 'pairs', description: 'landmark pairs per step' }),
  every: positiveInt.meta({ flag: 'rank-every', description: 'run the landmark term every k steps' }),
  batchSize: positiveInt.meta({ flag: 'rank-batch-size', description: 'batch size of the landmark term' }),
  loss: z.enum(['hinge', 'margin-hinge', 'logistic']),
  margin: nonNegative,
});

/** Landmark selection. */
export const landmarkSchema = z.strictObject({
  count: positiveInt.meta({ flag: 'landmarks', description: 'number of landmark architectures' }),
  selection: z.enum(['diverse', 'random']).meta({ flag: 'selection', description: 'landmark selection' }),
  tau: positiveInt.meta({ flag: 'tau', description: 'distance threshold of diverse landmark selection (Algorithm 1)' }),
  /**
   * Architectures trained alone earlier, added as landmarks at the start with their recorded
   * accuracy (not retrained): a `standalone.json` of `lmreg standalone -o DIR` / `lmreg search`,
   * its folder, or a landmark-set file with accuracies in [0, 1]. Same recipe as the run's own
   * ground truth, or their order means nothing.
   */
  add: z.string().min(1).optional().meta({
    flag: 'add-landmarks',
    value: '<file>',
    description:
      'also use architectures trained alone earlier as landmarks: a standalone.json of `lmreg standalone -o DIR` (or that folder) or a landmark-set file; same recipe as this run',
  }),
});

/** The search run on the trained super-net by the sampler (`sampler.propose`). */
export const searchSchema = z.strictObject({
  /** Distinct architectures evaluated on the super-net. */
  budget: positiveInt.meta({ flag: 'budget', description: 'architectures the final search evaluates on the super-net' }),
  /** Population and tournament of the `spos` sampler's regularized evolution. */
  population: positiveInt,
  tournament: positiveInt,
  /** How many of the best proposals `result.json` reports. */
  top: positiveInt,
  /** How many of the best proposals to train alone for their ground truth (0: none). */
  trainTop: z.number().int().nonnegative(),
});

/** Configuration of `lmreg search`. Every field has a default from the preset. */
export const searchConfigSchema = z.strictObject({
  preset: z.enum(['tiny', 'small', 'paper']).meta({ flag: 'preset', description: 'defaults to start from' }),
  space: registered('search space with a network builder', spacesWithNetworks).meta({
    flag: 'space',
    value: '<name>',
    description: 'search space (one with a network builder: nb201, nb101, darts)',
  }),
  sampler: registered('sampler', listSamplers).meta({
    flag: 'sampler',
    value: '<name>',
    description: 'path sampler and search from the registry (spos, random, predictor, gdas, nao, or one you registered)',
  }),
  dataset: z.enum(DATASET_NAMES).meta({ flag: 'dataset' }),
  dataDir: z
    .string()
    .optional()
    .meta({ flag: 'data-dir', value: '<dir>', description: 'folder with the data set (then $LMREG_DATA, then /usr/share/datasets)' }),
  imageSize: positiveInt.meta({ flag: 'image-size', description: 'resize images to n x n' }),
  trainSubset: positiveInt.meta({ flag: 'train-subset', description: 'training images used (split in halves: super-net / ranking)' }),
  testSubset: positiveInt.meta({ flag: 'test-subset', description: 'test images the super-net accuracies are measured on' }),
  channels: positiveInt.meta({ flag: 'channels', description: 'channels C of the super-net' }),
  cells: positiveInt.meta({ flag: 'cells', description: 'cells N per stage' }),
  epochs: positiveInt.meta({ flag: 'epochs', description: 'super-net epochs per round' }),
  warmupEpochs: z.number().int().nonnegative().meta({ flag: 'warmup-epochs', description: 'epochs before the landmark term starts' }),
  batchSize: positiveInt.meta({ flag: 'batch-size', description: 'super-net batch size' }),
  lr: z.number().positive().meta({ flag: 'lr', description: 'super-net learning rate (cosine to lrMin)' }),
  lrMin: nonNegative,
  momentum: z.number().min(0).max(0.999),
  weightDecay: nonNegative,
  gradClip: z.number().positive(),
  augment: z.boolean(),
  heldOut: positiveInt.meta({ flag: 'held-out', description: 'held-out architectures the ranking is measured on' }),
  landmarks: landmarkSchema,
  ranking: rankingSchema,
  /**
   * A named cost of the landmark term (issue 17's measured answer): `balanced` sets the ranking
   * batch to half the super-net batch, `lean` to a quarter; absent (or `full`): `ranking.batchSize`
   * as given. See {@link COST_FRACTIONS}.
   */
  cost: z.enum(['full', 'balanced', 'lean']).optional().meta({
    flag: 'cost',
    description:
      'cost of the landmark term: balanced = ranking batch 1/2 of --batch-size (Fashion-MNIST NB201, 5 seeds: the whole S-KdT gain at 1.7x the CPU time of no term), lean = 1/4 (gain 0.21 [0.13, 0.30], 1.7x CPU, 1.5x passes); full = --rank-batch-size (2.3x CPU)',
  }),
  standalone: standaloneSchema,
  search: searchSchema,
  /** Rounds T of the multi-iteration pipeline (Algorithm 1, Fig. 2); each round trains `epochs` epochs. */
  rounds: positiveInt.meta({
    flag: 'rounds',
    description: 'rounds of the multi-iteration pipeline (after each: top architectures trained alone become landmarks)',
  }),
  /** Landmarks M added after each round but the last: the sampler's best, trained alone. */
  roundLandmarks: positiveInt.meta({ flag: 'round-landmarks', description: 'landmarks added after each round' }),
  compareBaseline: z.boolean().meta({ negate: 'baseline', description: 'skip the super-net without landmarks' }),
  /**
   * Folder of a finished ground-truth table (`lmreg ground-truth`): landmarks, held-out
   * architectures and searches are drawn from its rows and their ground truth is looked up
   * instead of trained. Absent: every such architecture is trained alone in the run.
   */
  groundTruth: z.string().min(1).optional().meta({
    flag: 'ground-truth',
    value: '<dir>',
    description:
      'finished ground-truth table (lmreg ground-truth): landmarks, held-out architectures and searches come from its rows, nothing is trained alone',
  }),
  seed: z.number().int().meta({ flag: 'seed', description: 'seed of everything (same seed, same run)' }),
  backend: z.enum(BACKEND_REQUESTS).meta({ flag: 'backend', description: 'tfjs backend' }),
});

/** A fully resolved `lmreg search` configuration. */
export type SearchConfig = z.infer<typeof searchConfigSchema>;

/**
 * The defaults every preset starts from: the `small` preset, the README's ~10-minute job on 2 cores.
 */
export const SEARCH_DEFAULTS: SearchConfig = {
  preset: 'small',
  space: 'nb201',
  sampler: 'spos',
  dataset: 'fashion-mnist-mini',
  imageSize: 16,
  trainSubset: 6000,
  testSubset: 1000,
  channels: 8,
  cells: 1,
  epochs: 6,
  warmupEpochs: 1,
  batchSize: 64,
  lr: 0.05,
  lrMin: 0.001,
  momentum: 0.9,
  weightDecay: 5e-4,
  gradClip: 5,
  augment: true,
  heldOut: 20,
  landmarks: { count: 10, selection: 'diverse', tau: 5 },
  ranking: { enabled: true, lambdaMax: 10, schedule: 'cosine-increasing', pairs: 1, every: 1, batchSize: 64, loss: 'hinge', margin: 0 },
  standalone: { epochs: 1, batchSize: 64, lr: 0.05, lrMin: 0.001, momentum: 0.9, weightDecay: 5e-4, gradClip: 5 },
  search: { budget: 200, population: 20, tournament: 5, top: 5, trainTop: 1 },
  rounds: 1,
  roundLandmarks: 5,
  compareBaseline: true,
  seed: 0,
  backend: 'auto',
};

/**
 * Named presets as partial overrides of {@link SEARCH_DEFAULTS}: `tiny` is for tests, `small` is
 * the defaults themselves, `paper` the paper's CIFAR-10 setting. A config file and flags override
 * the preset in turn.
 */
export const PRESET_OVERRIDES: Record<SearchConfig['preset'], SearchConfigInput> = {
  tiny: {
    preset: 'tiny',
    imageSize: 8,
    trainSubset: 512,
    testSubset: 256,
    channels: 4,
    epochs: 2,
    warmupEpochs: 0,
    batchSize: 32,
    augment: false,
    heldOut: 6,
    landmarks: { count: 4, tau: 3 },
    ranking: { batchSize: 32 },
    standalone: { batchSize: 32 },
    search: { budget: 20, population: 10, tournament: 3, top: 3, trainTop: 0 },
    roundLandmarks: 2,
    backend: 'cpu',
  },
  small: {},
  paper: {
    preset: 'paper',
    dataset: 'cifar10',
    imageSize: 32,
    trainSubset: 50000,
    testSubset: 10000,
    channels: 16,
    cells: 5,
    epochs: 400,
    warmupEpochs: 150,
    batchSize: 256,
    lr: 0.025,
    heldOut: 200,
    ranking: { batchSize: 256 },
    standalone: { epochs: 200, batchSize: 256, lr: 0.1, lrMin: 0 },
    search: { budget: 1000, population: 50, tournament: 10, top: 10 },
    roundLandmarks: 10,
  },
};

/** Each preset resolved: {@link SEARCH_DEFAULTS} with its {@link PRESET_OVERRIDES} applied. */
export const SEARCH_PRESETS: Record<SearchConfig['preset'], SearchConfig> = {
  tiny: deepMerge(SEARCH_DEFAULTS as unknown as Record<string, unknown>, PRESET_OVERRIDES.tiny as Record<string, unknown>) as unknown as SearchConfig,
  small: deepMerge(SEARCH_DEFAULTS as unknown as Record<string, unknown>, PRESET_OVERRIDES.small as Record<string, unknown>) as unknown as SearchConfig,
  paper: deepMerge(SEARCH_DEFAULTS as unknown as Record<string, unknown>, PRESET_OVERRIDES.paper as Record<string, unknown>) as unknown as SearchConfig,
};

/** A partial config as written in a file or given as flags (nested objects may be partial). */
export type SearchConfigInput = Partial<Omit<SearchConfig, 'landmarks' | 'ranking' | 'standalone' | 'search'>> & {
  search?: Partial<SearchConfig['search']>;
  landmarks?: Partial<SearchConfig['landmarks']>;
  ranking?: Partial<SearchConfig['ranking']>;
  standalone?: Partial<SearchConfig['standalone']>;
};

/**
 * Resolves a config: preset defaults, then the file, then the flags; validates the result and
 * throws {@link ConfigError} with one line per bad field.
 */
export function resolveSearchConfig(layers: readonly { source: string; values: unknown }[]): SearchConfig {
  let preset: SearchConfig['preset'] = 'small';
  for (const l of layers) {
    const p = (l.values as { preset?: unknown } | null)?.preset;
    if (p !== undefined) {
      if (p !== 'tiny' && p !== 'small' && p !== 'paper') {
        throw new ConfigError(l.source, [`preset: must be one of tiny, small, paper (got ${JSON.stringify(p)})`]);
      }
      preset = p;
    }
  }
  let merged: Record<string, unknown> = structuredClone(SEARCH_PRESETS[preset]) as unknown as Record<string, unknown>;
  for (const l of layers) {
    if (l.values === undefined || l.values === null) continue;
    if (typeof l.values !== 'object' || Array.isArray(l.values)) {
      throw new ConfigError(l.source, ['the configuration must be an object of fields']);
    }
    merged = deepMerge(merged, l.values as Record<string, unknown>);
  }
  for (const l of layers) rejectDangerousKeys(l.values, l.source);
  const parsed = searchConfigSchema.safeParse(merged);
  if (!parsed.success) {
    const sources = layers.map((l) => l.source).join(' + ');
    throw new ConfigError(
      sources || 'defaults',
      parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
    );
  }
  const c = parsed.data;
  const extra: string[] = [];
  if (c.warmupEpochs >= c.epochs * c.rounds)
    extra.push(`warmupEpochs: must be smaller than the epochs of all rounds (epochs x rounds = ${c.epochs * c.rounds})`);
  if (c.search.tournament > c.search.population) extra.push(`search.tournament: must not exceed search.population (${c.search.population})`);
  const samplerSpaces = getSamplerDefinition(c.sampler).spaces;
  if (samplerSpaces !== 'any' && !samplerSpaces.includes(c.space))
    extra.push(`sampler: ${c.sampler} supports the spaces ${samplerSpaces.join(', ')}, got '${c.space}'`);
  if (c.lrMin > c.lr) extra.push(`lrMin: must not exceed lr (${c.lr})`);
  const costProblem = applyCost(c, layers);
  if (costProblem !== undefined) extra.push(costProblem);
  if (c.space === 'nb201' && c.imageSize % 4 !== 0) {
    extra.push(
      `imageSize: NB201 networks halve the resolution twice, so it must be a multiple of 4 (got ${c.imageSize}; try ${Math.max(4, Math.round(c.imageSize / 4) * 4)})`,
    );
  }
  if (extra.length > 0) throw new ConfigError(layers.map((l) => l.source).join(' + ') || 'defaults', extra);
  return c;
}

/** Fraction of the super-net batch that each named {@link SearchConfig.cost} gives the landmark term's batch. */
export const COST_FRACTIONS = { full: 1, balanced: 1 / 2, lean: 1 / 4 } as const;

/**
 * Sets `ranking.batchSize` from a named cost (`balanced`, `lean`), in place. Returns a problem
 * when a layer also gave `ranking.batchSize` a different value (the two would contradict).
 */
function applyCost(c: SearchConfig, layers: readonly { source: string; values: unknown }[]): string | undefined {
  if (c.cost === undefined || c.cost === 'full') return undefined;
  const want = Math.max(1, Math.round(c.batchSize * COST_FRACTIONS[c.cost]));
  const given = layers
    .map((l) => ({ source: l.source, size: (l.values as { ranking?: { batchSize?: unknown } } | null)?.ranking?.batchSize }))
    .filter((g) => g.size !== undefined);
  const conflict = given.find((g) => g.size !== want);
  if (conflict !== undefined) {
    return `cost: '${c.cost}' sets ranking.batchSize to ${want} (${COST_FRACTIONS[c.cost]} of batchSize ${c.batchSize}), but ${conflict.source} gives ranking.batchSize ${String(conflict.size)}; pass either --cost or --rank-batch-size`;
  }
  (c.ranking as { batchSize: number }).batchSize = want;
  return undefined;
}

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    const b = out[k];
    out[k] =
      v !== null && typeof v === 'object' && !Array.isArray(v) && b !== null && typeof b === 'object' && !Array.isArray(b)
        ? deepMerge(b as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

/** Reads a JSON or YAML config file (by extension; `.yml`/`.yaml` are YAML, anything else JSON). */
export function readConfigFile(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (cause) {
    throw new InvalidArgumentError(`cannot read config file ${file}: ${(cause as Error).message}`, { cause });
  }
  const ext = path.extname(file).toLowerCase();
  let value: unknown;
  try {
    value = ext === '.yml' || ext === '.yaml' ? (parseYaml(text) as unknown) : (JSON.parse(text) as unknown);
  } catch (cause) {
    throw new ConfigError(file, [`not valid ${ext === '.yml' || ext === '.yaml' ? 'YAML' : 'JSON'}: ${(cause as Error).message}`]);
  }
  const bad = findDangerousKeys(value);
  if (bad.length > 0)
    throw new ConfigError(
      file,
      bad.map((p) => `${p}: this key cannot be used in a config (it would be silently ignored or change object prototypes); remove it`),
    );
  return value;
}
