import { LmregError } from '@lmreg/common';
import type { LandmarkTermState } from '@lmreg/core';
import type { SamplerState } from '@lmreg/samplers';

import type { BatcherState } from '../data/batcher.js';
import { loadCheckpointWithFallback, saveCheckpoint } from '../run/checkpoint.js';

/** One epoch of super-net training, as {@link SupernetTrainer} records it. */
export interface SupernetEpoch {
  readonly epoch: number;
  /** Mean cross-entropy of the trained paths over the epoch's steps. */
  readonly loss: number;
  /** Mean value of the landmark term (lambda included; 0 on steps without it). */
  readonly rankingLoss: number;
  /** Lambda at the epoch's last step (0 without a landmark term). */
  readonly lambda: number;
  /** Learning rate at the epoch's last step. */
  readonly lr: number;
  /** Wall time of the epoch's training and evaluation, seconds. */
  readonly seconds: number;
  /** What the trainer's `evaluate` callback returned for this epoch (e.g. S-KdT on held-out architectures). */
  readonly [metric: string]: number;
}

/** Everything besides the weights and momentum that a super-net checkpoint holds. */
export interface SupernetCheckpointMeta {
  readonly format: 'lmreg-supernet-checkpoint';
  readonly version: 1;
  /** Last finished epoch (0-based). */
  readonly epoch: number;
  readonly sampler: SamplerState;
  readonly landmarkTerm?: LandmarkTermState;
  readonly batchers: { readonly train: BatcherState; readonly ranking?: BatcherState; readonly architecture?: BatcherState };
  readonly history: readonly SupernetEpoch[];
  /** Training seconds so far (over every process that worked on the run). */
  readonly seconds: number;
  /** The caller's own JSON (e.g. the round records of the multi-round pipeline). */
  readonly extra?: unknown;
}

/** Weights, momentum and meta of a super-net checkpoint. */
export interface SupernetCheckpoint {
  readonly weights: Record<string, Float32Array>;
  readonly momentum: Record<string, Float32Array>;
  readonly meta: SupernetCheckpointMeta;
}

/** A checkpoint as read back: which file it came from, and a warning when it is the previous one. */
export interface LoadedSupernetCheckpoint extends SupernetCheckpoint {
  /** The file actually read (the newest, or `<name>.prev.bin` when the newest is missing or corrupt). */
  readonly file: string;
  /** Set when the previous checkpoint was used: what happened to the newest. */
  readonly warning?: string;
}

/** Writes a super-net checkpoint atomically (the previous one is kept as `<name>.prev.bin`). */
export function saveSupernetCheckpoint(file: string, checkpoint: SupernetCheckpoint): void {
  const arrays: Record<string, Float32Array> = {};
  for (const [k, v] of Object.entries(checkpoint.weights)) arrays[`w/${k}`] = v;
  for (const [k, v] of Object.entries(checkpoint.momentum)) arrays[`m/${k}`] = v;
  saveCheckpoint(file, { meta: checkpoint.meta, arrays });
}

function problem(file: string, what: string): never {
  throw new LmregError(
    'LMREG_CHECKPOINT',
    `${file} is not a super-net checkpoint this version of lmreg can resume (${what}). Start the run again with --restart, or in a new folder.`,
  );
}

/**
 * Reads and validates a super-net checkpoint written by {@link saveSupernetCheckpoint}; when the
 * newest file is missing or corrupt (a kill mid-write, a damaged disk) it falls back to the previous
 * one (`<name>.prev.bin`, one epoch older) and says so in `warning`.
 * @throws LmregError naming the files and what is wrong with them, and `--restart` as the way out.
 */
export function loadSupernetCheckpoint(path: string): LoadedSupernetCheckpoint {
  const loaded = loadCheckpointWithFallback(path);
  const ck = loaded.data;
  const file = loaded.file;
  const meta = ck.meta as Partial<SupernetCheckpointMeta> | null;
  if (typeof meta !== 'object' || meta === null) problem(file, 'no meta data');
  if (meta.format !== 'lmreg-supernet-checkpoint' || meta.version !== 1) problem(file, `format ${String(meta.format)} version ${String(meta.version)}`);
  if (!Number.isSafeInteger(meta.epoch) || (meta.epoch ?? -1) < 0) problem(file, 'no epoch');
  if (typeof meta.sampler !== 'object' || meta.sampler === null) problem(file, 'no sampler state');
  if (typeof meta.batchers !== 'object' || meta.batchers === null || typeof meta.batchers.train !== 'object') problem(file, 'no batcher state');
  if (!Array.isArray(meta.history) || meta.history.length !== (meta.epoch ?? 0) + 1) problem(file, 'its history does not match its epoch');
  if (typeof meta.seconds !== 'number') problem(file, 'no seconds');
  const weights: Record<string, Float32Array> = {};
  const momentum: Record<string, Float32Array> = {};
  for (const [k, v] of Object.entries(ck.arrays)) {
    if (k.startsWith('w/')) weights[k.slice(2)] = v;
    else if (k.startsWith('m/')) momentum[k.slice(2)] = v;
    else problem(file, `unknown array '${k}'`);
  }
  if (Object.keys(weights).length === 0) problem(file, 'no weights');
  return { weights, momentum, meta: meta as SupernetCheckpointMeta, file, ...(loaded.warning === undefined ? {} : { warning: loaded.warning }) };
}
