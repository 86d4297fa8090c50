import type { GroundTruthConfig, GroundTruthRow } from '@lmreg/train';

/** Parent -> trainer process: train one job. */
export interface TrainRequest {
  readonly type: 'train';
  readonly id: number;
  /** Recipe hash of `config`: the trainer keeps the data of the last one loaded. */
  readonly recipeHash: string;
  readonly config: GroundTruthConfig;
  readonly index: number;
  readonly arch: string;
  readonly seed: number;
}

/** Trainer process -> parent messages. */
export type TrainerMessage =
  | { readonly type: 'ready'; readonly backend: string; readonly threads: number }
  | { readonly type: 'fatal'; readonly message: string }
  | { readonly type: 'progress'; readonly id: number; readonly done: number; readonly total: number }
  | { readonly type: 'row'; readonly id: number; readonly row: GroundTruthRow }
  | { readonly type: 'error'; readonly id: number; readonly message: string; readonly code: string | undefined; readonly dataMissing: boolean };

/** Threads of a backend, from its `reason` line (`..., 4 threads, ...`); 1 when it names none. */
export function threadsOf(reason: string): number {
  const m = /(\d+) threads?\b/.exec(reason);
  return m === null ? 1 : Number(m[1]);
}
