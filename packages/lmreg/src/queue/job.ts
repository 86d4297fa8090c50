import { createHash } from 'node:crypto';

import type { GroundTruthConfig, GroundTruthRow, StandaloneResult } from '@lmreg/train';
import { z } from 'zod';

/** Name of the BullMQ queue that holds lmreg's stand-alone training jobs. */
export const QUEUE_NAME = 'lmreg-standalone';

/** The `note` every load-test job carries: such a job trains nothing. */
export const NOOP_NOTE = 'load-test job: trains nothing, returns at once';

/** One ground-truth job: train `arch` alone with `seed` under the table's config; its result is the table's row. */
export const groundTruthJobSchema = z.strictObject({
  kind: z.literal('ground-truth'),
  /** lmreg version of the producer: a worker of another version refuses the job (and returns it). */
  version: z.string().min(1),
  /** {@link recipeHashOf} the config, as computed by the producer. */
  recipeHash: z.string().regex(/^[0-9a-f]{16}$/),
  /** Position of the architecture in the table's sample. */
  index: z.number().int().nonnegative(),
  /** `space.format(arch)`. */
  arch: z.string().min(1),
  /** `space.key(arch)`. */
  key: z.string().min(1),
  seed: z.number().int(),
  /** The table's ground-truth config (recipe and data reference); the worker validates it. */
  config: z.record(z.string(), z.unknown()),
  /** Per-job timeout: the worker stops a training that runs longer (the attempt fails and is retried). */
  timeoutSeconds: z.number().positive(),
});

/**
 * One stand-alone training of `lmreg search` (a landmark, a held-out architecture, a round's
 * proposal): train `arch` alone under the search's stand-alone recipe; its result is the
 * `StandaloneResult` the search's own process would compute.
 */
export const standaloneJobSchema = z.strictObject({
  kind: z.literal('standalone'),
  /** lmreg version of the producer: a worker of another version refuses the job (and returns it). */
  version: z.string().min(1),
  /** {@link recipeHashOf} the recipe, as computed by the producer. */
  recipeHash: z.string().regex(/^[0-9a-f]{16}$/),
  /** `space.format(arch)`. */
  arch: z.string().min(1),
  /** `space.key(arch)`. */
  key: z.string().min(1),
  /** Seed of the network's weights and batches: `seedFor(recipe.seed, key)`, as the search computes it. */
  seed: z.number().int(),
  /** The search's stand-alone recipe and data reference (`StandaloneJobRecipe`); the worker validates it. */
  recipe: z.record(z.string(), z.unknown()),
  /** Per-job timeout: the worker stops a training that runs longer (the attempt fails and is retried). */
  timeoutSeconds: z.number().positive(),
});

/** A job that trains nothing (for load tests of the queue itself). */
export const noopJobSchema = z.strictObject({
  kind: z.literal('noop'),
  version: z.string().min(1),
  note: z.literal(NOOP_NOTE),
});

/** Every kind of job on the queue. */
export const queueJobSchema = z.discriminatedUnion('kind', [groundTruthJobSchema, standaloneJobSchema, noopJobSchema]);

/** A ground-truth job's data. */
export type GroundTruthJobData = z.infer<typeof groundTruthJobSchema>;
/** A search's stand-alone job's data. */
export type StandaloneJobData = z.infer<typeof standaloneJobSchema>;
/** Any job's data. */
export type QueueJobData = z.infer<typeof queueJobSchema>;

/** Where and how a job ran: reported in every result. */
export interface WorkerInfo {
  readonly host: string;
  readonly pid: number;
  readonly version: string;
  /** tfjs backend the training ran on (`cpu`, `wasm`, `native`, `tensorflow`). */
  readonly backend: string;
  readonly threads: number;
}

/** Result of a ground-truth job: the row the local build would write, and where it ran. */
export interface GroundTruthJobResult {
  readonly kind: 'ground-truth';
  readonly row: GroundTruthRow;
  readonly worker: WorkerInfo;
}

/** Result of a search's stand-alone job: what `trainStandalone` returned, and where it ran. */
export interface StandaloneJobResult {
  readonly kind: 'standalone';
  readonly result: StandaloneResult;
  readonly worker: WorkerInfo;
}

/** Result of a load-test job. */
export interface NoopJobResult {
  readonly kind: 'noop';
  readonly worker: Omit<WorkerInfo, 'backend' | 'threads'>;
}

/** Any job's result. */
export type QueueJobResult = GroundTruthJobResult | StandaloneJobResult | NoopJobResult;

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function sha16(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/**
 * The recipe hash of a table's config (or of a search's stand-alone recipe): 16 hex digits of the
 * SHA-256 of it in canonical JSON (keys sorted). `dataDir` is left out: it says where the data is
 * on one machine, not what it is.
 */
export function recipeHashOf(config: GroundTruthConfig | { readonly dataDir?: string | undefined }): string {
  const { dataDir: _where, ...what } = config;
  return sha16(canonical(what));
}

/**
 * The BullMQ job id of (recipe hash, architecture key, seed): the same job enqueued twice exists
 * once, and its stored result is found again by a restarted producer.
 */
export function jobIdOf(recipeHash: string, key: string, seed: number): string {
  return `gt.${recipeHash}.${sha16(key)}.${seed}`;
}

/** The BullMQ job id of a search's stand-alone job: like {@link jobIdOf}, prefixed `sa.` (its own recipe kind). */
export function standaloneJobIdOf(recipeHash: string, key: string, seed: number): string {
  return `sa.${recipeHash}.${sha16(key)}.${seed}`;
}
