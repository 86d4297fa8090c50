import { InvalidArgumentError } from '@lmreg/common';
import type { Shard } from '@lmreg/train';

function integer(env: Readonly<Record<string, string | undefined>>, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = Number(raw);
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError(`$${name} must be an integer (got '${raw}'); fix or unset it, or pass --shard i/n.`);
  return n;
}

/**
 * The static shard of this process from a batch scheduler's environment, for
 * `ground-truth build` without `--shard`:
 *
 * - SLURM job arrays: `SLURM_ARRAY_TASK_ID` of `SLURM_ARRAY_TASK_COUNT` tasks (ids counted from
 *   `SLURM_ARRAY_TASK_MIN`, default 0; a step other than 1 is refused);
 * - Kubernetes indexed Jobs: `JOB_COMPLETION_INDEX` (0-based) with `LMREG_SHARD_COUNT` (set it to
 *   the Job's `completions`: Kubernetes does not export that number).
 *
 * Returns undefined when neither is set.
 *
 * @throws InvalidArgumentError naming the variable when the values are not a valid shard.
 */
export function shardFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): { shard: Shard; source: string } | undefined {
  const slurmId = integer(env, 'SLURM_ARRAY_TASK_ID');
  if (slurmId !== undefined) {
    const count = integer(env, 'SLURM_ARRAY_TASK_COUNT');
    if (count === undefined) {
      throw new InvalidArgumentError(
        '$SLURM_ARRAY_TASK_ID is set but $SLURM_ARRAY_TASK_COUNT is not: run under `sbatch --array=0-<n-1>` (Slurm sets both), or pass --shard i/n.',
      );
    }
    const step = integer(env, 'SLURM_ARRAY_TASK_STEP') ?? 1;
    if (step !== 1)
      throw new InvalidArgumentError(
        `$SLURM_ARRAY_TASK_STEP is ${step}: shards need consecutive task ids (--array=0-${count - 1}); drop the step or pass --shard i/n.`,
      );
    const index = slurmId - (integer(env, 'SLURM_ARRAY_TASK_MIN') ?? 0);
    return { shard: checked(index, count, `Slurm array task ${slurmId} of ${count}`), source: `Slurm array task ${slurmId} (SLURM_ARRAY_TASK_ID)` };
  }
  const k8s = integer(env, 'JOB_COMPLETION_INDEX');
  if (k8s !== undefined) {
    const count = integer(env, 'LMREG_SHARD_COUNT');
    if (count === undefined) {
      throw new InvalidArgumentError(
        "$JOB_COMPLETION_INDEX is set but $LMREG_SHARD_COUNT is not: set LMREG_SHARD_COUNT to the indexed Job's completions (see docs/k8s-indexed-job.yaml), or pass --shard i/n.",
      );
    }
    return {
      shard: checked(k8s, count, `Kubernetes completion index ${k8s} of LMREG_SHARD_COUNT=${count}`),
      source: `Kubernetes completion index ${k8s} (JOB_COMPLETION_INDEX)`,
    };
  }
  return undefined;
}

function checked(index: number, count: number, what: string): Shard {
  if (count < 1 || index < 0 || index >= count) {
    throw new InvalidArgumentError(`${what} is not a shard (need 0 <= index < count): check the array range / completions, or pass --shard i/n.`);
  }
  return { index, count };
}
