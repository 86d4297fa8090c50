import fs from 'node:fs';
import path from 'node:path';

import { createRng } from '@lmreg/common';
import { getSpace } from '@lmreg/spaces';

import type { StandaloneResult } from '@lmreg/train';

import { SEARCH_PRESETS, type SearchConfig } from '../config/search-config.js';
import type { EpochRecord, SearchResult, VariantResult } from '../search/search-result.js';

// Test fixtures of the report tests: run folders shaped like those `lmreg search` writes
// (`config.json`, `result.json`, `log.jsonl`), with made-up but plausible numbers. Not exported
// from the package.

const OPS = ['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3'] as const;

function createStream(seed: number): () => number {
  let s = (seed * 2654435761 + 12345) >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function nb201Arch(next: () => number): string {
  const op = (): string => OPS[Math.floor(next() * OPS.length)]!;
  return `|${op()}~0|+|${op()}~0|${op()}~1|+|${op()}~0|${op()}~1|${op()}~2|`;
}

function standalone(arch: string, next: () => number, seed: number): StandaloneResult {
  return {
    arch,
    key: `key:${arch}`,
    accuracy: Math.round((0.45 + 0.3 * next()) * 1000) / 1000,
    loss: 1 + next(),
    params: 10000 + Math.floor(next() * 30000),
    seconds: 10 + 5 * next(),
    seed,
  };
}

/** What a fixture run varies. */
export interface FixtureRunOptions {
  readonly sampler?: SearchConfig['sampler'];
  readonly seed?: number;
  /** Fields of `config.ranking` to override (an ablation). */
  readonly ranking?: Partial<SearchConfig['ranking']>;
  /** Other top-level config fields to override. */
  readonly config?: Partial<Omit<SearchConfig, 'ranking'>>;
  /** Final S-KdT of each variant; the per-epoch curve rises linearly to it. */
  readonly skdt?: { readonly baseline: number; readonly landmarks: number };
  /** Ground-truth accuracy and table rank of the architecture each variant's search returns. */
  readonly returned?: { readonly baseline: readonly [number, number]; readonly landmarks: readonly [number, number] };
  /** Write `SearchResult.groundTruth` (a run that used a ground-truth table). */
  readonly groundTruth?: { readonly name: string; readonly noiseCeiling: number };
  /** Wall-clock seconds of each variant and of the whole run. */
  readonly seconds?: { readonly variant: number; readonly run: number };
  /** Leave `result.json` out (a run that was killed). */
  readonly unfinished?: boolean;
  /** Replace the architectures' names (to test escaping). */
  readonly archPrefix?: string;
  /** Write `cpu-time.jsonl` with these CPU seconds (user + system). */
  readonly cpuSeconds?: number;
  /**
   * Super-net accuracies of the held-out architectures per variant, from their ground truth
   * (default: a noisy function of it). Sets the S-KdT the report recomputes.
   */
  readonly supernetAccuracy?: (variant: 'baseline' | 'landmarks', truth: readonly number[]) => number[];
}

/**
 * The variants a config trains, as `runSearch` picks them: both with `compareBaseline`, otherwise
 * the one `ranking.enabled` selects.
 */
export function fixtureVariants(config: SearchConfig): ('baseline' | 'landmarks')[] {
  return config.compareBaseline ? ['baseline', 'landmarks'] : [config.ranking.enabled ? 'landmarks' : 'baseline'];
}

/** Writes a search-run folder under `dir` and returns its config and result. */
export function writeFixtureRun(dir: string, options: FixtureRunOptions = {}): { config: SearchConfig; result: SearchResult } {
  const base = SEARCH_PRESETS.tiny;
  const seed = options.seed ?? 0;
  const config: SearchConfig = {
    ...base,
    epochs: 4,
    heldOut: 8,
    ...options.config,
    sampler: options.sampler ?? 'spos',
    seed,
    ranking: { ...base.ranking, ...options.ranking },
  };
  const next = createStream(seed + 1000 * [...config.sampler].reduce((h, c) => (31 * h + c.charCodeAt(0)) % 1_000_003, 7));
  // DARTS runs get genuine DARTS genotypes, drawn with the run's seed.
  const dartsRng = createRng(seed);
  const darts = config.space === 'darts' ? getSpace('darts') : undefined;
  const arch = (): string => (options.archPrefix ?? '') + (darts === undefined ? nb201Arch(next) : darts.format(darts.sample(dartsRng)));
  const landmarks = Array.from({ length: config.landmarks.count }, () => standalone(arch(), next, seed));
  const heldOut = Array.from({ length: config.heldOut }, () => standalone(arch(), next, seed));
  const skdt = options.skdt ?? { baseline: 0.2, landmarks: 0.5 };
  const seconds = options.seconds ?? { variant: 1800, run: 5400 };
  const variant = (name: 'baseline' | 'landmarks'): VariantResult => {
    const final = skdt[name];
    const epochs: EpochRecord[] = Array.from({ length: config.epochs * config.rounds }, (_, epoch) => {
      const progress = (epoch % config.epochs) / Math.max(1, config.epochs - 1);
      const lambda = name === 'baseline' ? 0 : (config.ranking.lambdaMax * (1 - Math.cos(Math.PI * progress))) / 2;
      const value = (final * (epoch + 1)) / (config.epochs * config.rounds);
      return {
        epoch,
        loss: 2 - 0.2 * epoch,
        rankingLoss: name === 'baseline' ? 0 : 0.5 / (epoch + 1),
        lambda,
        lr: 0.05,
        skdt: value,
        kendallTau: value,
        spearman: value,
        seconds: seconds.variant / config.epochs,
      };
    });
    const [groundTruth, rank] = options.returned?.[name] ?? [0.6, 100];
    const top = [
      { arch: heldOut[0]!.arch, supernetAccuracy: 0.55, groundTruth, rank },
      { arch: heldOut[1]!.arch, supernetAccuracy: 0.5 },
    ];
    return {
      name,
      skdt: final,
      kendallTau: final,
      spearman: final,
      supernetAccuracy:
        options.supernetAccuracy?.(
          name,
          heldOut.map((h) => h.accuracy),
        ) ?? heldOut.map((h) => Math.round((h.accuracy * (name === 'landmarks' ? 0.9 : 0.6) + 0.2 * next()) * 1000) / 1000),
      epochs,
      best: { arch: heldOut[0]!.arch, groundTruth: heldOut[0]!.accuracy, supernetAccuracy: 0.55 },
      search: { sampler: config.sampler, evaluated: config.search.budget, top },
      rounds:
        name === 'landmarks'
          ? Array.from({ length: config.rounds - 1 }, (_, r) => ({
              round: r,
              epoch: (r + 1) * config.epochs - 1,
              added: Array.from({ length: config.roundLandmarks }, () => ({
                arch: arch(),
                supernetAccuracy: 0.5 + 0.1 * next(),
                groundTruth: 0.6 + 0.1 * next(),
              })),
            }))
          : [],
      seconds: seconds.variant,
    };
  };
  const result: SearchResult = {
    space: config.space,
    dataset: config.dataset,
    landmarks,
    heldOut,
    variants: fixtureVariants(config).map(variant),
    backend: 'cpu',
    seconds: seconds.run,
    sampler: config.sampler,
    ...(options.groundTruth === undefined
      ? {}
      : {
          groundTruth: {
            name: options.groundTruth.name,
            dir: `/data/${options.groundTruth.name}`,
            size: 15625,
            noiseCeiling: { skdt: options.groundTruth.noiseCeiling, kendallTau: 0.8, spearman: 0.9, n: 15625 },
          },
        }),
  };
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config, null, 2) + '\n');
  fs.writeFileSync(
    path.join(dir, 'log.jsonl'),
    result.variants.flatMap((v) => v.epochs.map((e) => JSON.stringify({ event: 'epoch', variant: v.name, ...e }))).join('\n') + '\n',
  );
  if (options.unfinished !== true) fs.writeFileSync(path.join(dir, 'result.json'), JSON.stringify(result, null, 2) + '\n');
  if (options.cpuSeconds !== undefined) {
    const user = Math.round(0.9 * options.cpuSeconds * 100) / 100;
    fs.writeFileSync(
      path.join(dir, 'cpu-time.jsonl'),
      `${JSON.stringify({ userSeconds: user, systemSeconds: options.cpuSeconds - user, wallSeconds: 2 * options.cpuSeconds })}\n`,
    );
  }
  return { config, result };
}
