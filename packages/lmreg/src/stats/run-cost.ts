import fs from 'node:fs';
import path from 'node:path';

import { FileFormatError, InvalidArgumentError } from '@lmreg/common';
import { z } from 'zod';

/** The config fields that set how much the landmark term adds to super-net training. */
export interface PassRatioConfig {
  /** Epochs per round. */
  readonly epochs: number;
  readonly rounds: number;
  /** Epochs before the landmark term starts. */
  readonly warmupEpochs: number;
  /** Super-net batch size. */
  readonly batchSize: number;
  readonly ranking: { readonly enabled?: boolean; readonly pairs: number; readonly batchSize: number; readonly every: number };
}

const passRatioConfigSchema = z.object({
  epochs: z.number().int().positive(),
  rounds: z.number().int().positive(),
  warmupEpochs: z.number().int().nonnegative(),
  batchSize: z.number().int().positive(),
  ranking: z.object({
    enabled: z.boolean().optional(),
    pairs: z.number().int().positive(),
    batchSize: z.number().int().positive(),
    every: z.number().int().positive(),
  }),
});

/**
 * Training passes (images through forward and backward) of a super-net with the landmark term,
 * relative to the same super-net without it: each step trains one path on `batchSize` images, and
 * every `ranking.every` steps after the warm-up the term adds `ranking.pairs` pairs of landmarks,
 * two networks each, on `ranking.batchSize` images:
 * `1 + f * 2 * pairs * rankingBatch / (batchSize * every)`, f the fraction of epochs after the
 * warm-up. 1 when the term is off (`ranking.enabled: false`).
 *
 * @throws InvalidArgumentError when a field is missing or not a positive integer.
 */
export function trainingPassRatio(config: PassRatioConfig): number {
  const parsed = passRatioConfigSchema.safeParse(config);
  if (!parsed.success) {
    throw new InvalidArgumentError(
      `trainingPassRatio: the config needs epochs, rounds, warmupEpochs, batchSize and ranking.{pairs, batchSize, every} as positive integers (${parsed.error.issues[0]?.path.join('.') ?? ''}: ${parsed.error.issues[0]?.message ?? ''}).`,
    );
  }
  const c = parsed.data;
  if (c.ranking.enabled === false) return 1;
  const total = c.epochs * c.rounds;
  const withTerm = Math.max(0, total - c.warmupEpochs) / total;
  return 1 + (withTerm * 2 * c.ranking.pairs * c.ranking.batchSize) / (c.batchSize * c.ranking.every);
}

/** `trainingPassRatio` of a config read from a file, or `null` when the config lacks the fields. */
export function tryTrainingPassRatio(config: unknown): number | null {
  return passRatioConfigSchema.safeParse(config).success ? trainingPassRatio(config as PassRatioConfig) : null;
}

/** The file in a run folder where experiments/fmnist/run.sh records the process's CPU time (`/usr/bin/time`, one line per start). */
export const CPU_TIME_FILE = 'cpu-time.jsonl';

const TIME_STATUS_LINE = /^Command (exited with non-zero status|terminated by signal) \d+$/;
const cpuLineSchema = z.object({ userSeconds: z.number().nonnegative(), systemSeconds: z.number().nonnegative() });

/**
 * CPU seconds (user + system) recorded in `<runDir>/cpu-time.jsonl`, summed over its lines (a
 * resumed run appends one per process, a failed or killed process included, after /usr/bin/time's
 * status line, which is skipped); `undefined` when the run has no such file or it is empty.
 *
 * @throws FileFormatError naming the file and line when a line is not `{"userSeconds": .., "systemSeconds": ..}`.
 */
export function readCpuSeconds(runDir: string): number | undefined {
  const file = path.join(runDir, CPU_TIME_FILE);
  if (!fs.existsSync(file)) return undefined;
  // Original line numbers for messages; blank lines and /usr/bin/time's own notes on a process
  // that failed or was killed ("Command exited with non-zero status 1", "Command terminated by
  // signal 9", written before that process's line) are skipped.
  const lines = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .map((text, i) => ({ text: text.trim(), number: i + 1 }))
    .filter(({ text }) => text !== '' && !TIME_STATUS_LINE.test(text));
  if (lines.length === 0) return undefined;
  let total = 0;
  for (const { text, number } of lines) {
    let value: unknown;
    try {
      value = JSON.parse(text) as unknown;
    } catch (cause) {
      throw new FileFormatError(
        file,
        `line ${number} is not JSON; each line is /usr/bin/time's {"userSeconds":..,"systemSeconds":..} of one process. Fix or delete the line.`,
        { cause },
      );
    }
    const parsed = cpuLineSchema.safeParse(value);
    if (!parsed.success) {
      throw new FileFormatError(file, `line ${number} lacks userSeconds and systemSeconds (non-negative numbers). Fix or delete the line.`);
    }
    total = total + parsed.data.userSeconds + parsed.data.systemSeconds;
  }
  return total;
}
