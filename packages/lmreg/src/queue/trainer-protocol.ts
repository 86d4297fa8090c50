import type { GroundTruthConfig, GroundTruthRow, StandaloneResult } from '@lmreg/train';

import type { StandaloneJobRecipe } from './standalone-recipe.js';

/** Parent -> trainer process: train one ground-truth job (a table's row). */
export interface GroundTruthTrainRequest {
  readonly type: 'train';
  readonly job: 'ground-truth';
  readonly id: number;
  /** Recipe hash of `config`: the trainer keeps the data of the last one loaded. */
  readonly recipeHash: string;
  readonly config: GroundTruthConfig;
  readonly index: number;
  readonly arch: string;
  readonly seed: number;
}

/** Parent -> trainer process: train one stand-alone job of a search. */
export interface StandaloneTrainRequest {
  readonly type: 'train';
  readonly job: 'standalone';
  readonly id: number;
  /** Recipe hash of `recipe`: the trainer keeps the data of the last one loaded. */
  readonly recipeHash: string;
  readonly recipe: StandaloneJobRecipe;
  readonly arch: string;
}

/** Parent -> trainer process: train one job. */
export type TrainRequest = GroundTruthTrainRequest | StandaloneTrainRequest;

/** What a trainer process trained: a table's row or a search's stand-alone result. */
export type TrainerOutput =
  { readonly kind: 'ground-truth'; readonly row: GroundTruthRow } | { readonly kind: 'standalone'; readonly result: StandaloneResult };

/** Trainer process -> parent messages. */
export type TrainerMessage =
  | { readonly type: 'ready'; readonly backend: string; readonly threads: number }
  | { readonly type: 'fatal'; readonly message: string }
  | { readonly type: 'progress'; readonly id: number; readonly done: number; readonly total: number }
  | { readonly type: 'result'; readonly id: number; readonly output: TrainerOutput }
  | { readonly type: 'error'; readonly id: number; readonly message: string; readonly code: string | undefined; readonly dataMissing: boolean };

/** Threads of a backend, from its `reason` line (`..., 4 threads, ...`); 1 when it names none. */
export function threadsOf(reason: string): number {
  const m = /(\d+) threads?\b/.exec(reason);
  return m === null ? 1 : Number(m[1]);
}

/**
 * Test-only: with this environment variable set to `1`, a trainer process reports progress on every
 * job it is sent and then holds it (trains nothing) until it is killed, so that a test can kill a
 * worker mid-job without racing the job to its end (queue.test.ts). Never set it outside tests.
 */
export const TEST_HOLD_JOBS_ENV = 'LMREG_TEST_ONLY_HOLD_JOBS';
