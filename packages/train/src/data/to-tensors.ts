import * as tf from '@tensorflow/tfjs-core';

import { InvalidArgumentError } from '@lmreg/common';

import type { Batch } from './batcher.js';

/**
 * Turns a batch into tensors: `x` is `[size, height, width, channels]` float32 and `y` is the
 * `[size, numClasses]` float32 one-hot encoding of the labels. The caller owns both tensors and
 * must dispose them.
 *
 * @throws InvalidArgumentError when a label is outside `0 .. numClasses - 1` or the arrays do not
 *   match the batch's shape.
 */
export function toTensors(
  batch: Pick<Batch, 'images' | 'labels' | 'size' | 'height' | 'width' | 'channels'>,
  numClasses = 10,
): { x: tf.Tensor4D; y: tf.Tensor2D } {
  const { images, labels, size, height, width, channels } = batch;
  if (!Number.isSafeInteger(numClasses) || numClasses < 2) {
    throw new InvalidArgumentError(`toTensors: numClasses must be an integer >= 2, got ${String(numClasses)}.`);
  }
  if (images.length !== size * height * width * channels || labels.length !== size) {
    throw new InvalidArgumentError(
      `toTensors: batch of size ${size}, ${height}x${width}x${channels} has ${images.length} image values ` +
        `and ${labels.length} labels.`,
    );
  }
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i] ?? -1;
    if (v < 0 || v >= numClasses) {
      throw new InvalidArgumentError(`toTensors: label ${i} is ${v}, outside 0..${numClasses - 1}.`);
    }
  }
  return tf.tidy(() => {
    const x = tf.tensor4d(images, [size, height, width, channels], 'float32');
    // Built as int32 and cast: tfjs-backend-wasm 4.22's OneHot ignores its dtype argument.
    const y = tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), numClasses), 'float32') as tf.Tensor2D;
    return { x, y };
  });
}
