import { InvalidArgumentError } from '@lmreg/common';
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';

import { shardFromEnv } from './shard-env.js';

describe('shardFromEnv', () => {
  it('is undefined without a scheduler', () => {
    expect(shardFromEnv({})).toBeUndefined();
    expect(shardFromEnv({ LMREG_SHARD_COUNT: '4' })).toBeUndefined();
  });

  it('reads Slurm arrays (ids from SLURM_ARRAY_TASK_MIN) and Kubernetes indexed Jobs', () => {
    expect(shardFromEnv({ SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_TASK_COUNT: '4' })?.shard).toEqual({ index: 2, count: 4 });
    expect(shardFromEnv({ SLURM_ARRAY_TASK_ID: '4', SLURM_ARRAY_TASK_COUNT: '4', SLURM_ARRAY_TASK_MIN: '1' })?.shard).toEqual({ index: 3, count: 4 });
    expect(shardFromEnv({ JOB_COMPLETION_INDEX: '0', LMREG_SHARD_COUNT: '3' })).toEqual({
      shard: { index: 0, count: 3 },
      source: 'Kubernetes completion index 0 (JOB_COMPLETION_INDEX)',
    });
    // Slurm wins when both are set (a Slurm job inside a container that also has the k8s variable).
    expect(shardFromEnv({ SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_COUNT: '2', JOB_COMPLETION_INDEX: '0', LMREG_SHARD_COUNT: '3' })?.shard).toEqual({
      index: 1,
      count: 2,
    });
  });

  it('refuses incomplete or inconsistent variables, naming them', () => {
    expect(() => shardFromEnv({ SLURM_ARRAY_TASK_ID: '1' })).toThrow(/SLURM_ARRAY_TASK_COUNT is not/);
    expect(() => shardFromEnv({ JOB_COMPLETION_INDEX: '1' })).toThrow(/LMREG_SHARD_COUNT/);
    expect(() => shardFromEnv({ JOB_COMPLETION_INDEX: '3', LMREG_SHARD_COUNT: '3' })).toThrow(InvalidArgumentError);
    expect(() => shardFromEnv({ SLURM_ARRAY_TASK_ID: 'x', SLURM_ARRAY_TASK_COUNT: '2' })).toThrow(/SLURM_ARRAY_TASK_ID must be an integer/);
    expect(() => shardFromEnv({ SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_TASK_COUNT: '2', SLURM_ARRAY_TASK_STEP: '2' })).toThrow(/STEP/);
  });

  test.prop([fc.integer({ min: 1, max: 1000 }), fc.nat(), fc.integer({ min: -5, max: 5 })])(
    'every task of a Slurm array is one shard, all distinct',
    (count, offset, min) => {
      const seen = new Set<number>();
      for (let id = min; id < min + Math.min(count, 50); id++) {
        const s = shardFromEnv({ SLURM_ARRAY_TASK_ID: String(id), SLURM_ARRAY_TASK_COUNT: String(count), SLURM_ARRAY_TASK_MIN: String(min) })!.shard;
        expect(s.count).toBe(count);
        expect(s.index).toBe(id - min);
        seen.add(s.index);
      }
      expect(seen.size).toBe(Math.min(count, 50));
      expect(() =>
        shardFromEnv({ SLURM_ARRAY_TASK_ID: String(min + count + offset), SLURM_ARRAY_TASK_COUNT: String(count), SLURM_ARRAY_TASK_MIN: String(min) }),
      ).toThrow(InvalidArgumentError);
    },
  );
});
