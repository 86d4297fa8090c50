import * as tf from '@tensorflow/tfjs-core';

/**
 * Runs `fn` and returns its result together with how many tensors it left allocated
 * (`tf.memory().numTensors` after minus before). Tests assert that `leaked` is 0 after disposing
 * what they own.
 */
export async function measureTensorLeak<T>(fn: () => T | Promise<T>): Promise<{ result: T; leaked: number }> {
  const before = tf.memory().numTensors;
  const result = await fn();
  return { result, leaked: tf.memory().numTensors - before };
}
