import '@tensorflow/tfjs-backend-cpu';

import { expectNoTensorLeak } from '@lmreg/common/testing';
import * as tf from '@tensorflow/tfjs-core';
import { fc, test } from '@fast-check/vitest';
import { beforeAll, describe, expect } from 'vitest';

import { createRng, InvalidArgumentError } from '@lmreg/common';

import type { ImageShape } from './preprocess.js';
import {
  augmentImages,
  computeChannelStats,
  defaultAugmentation,
  normalizeSplit,
  resizeImages,
  resizeSplit,
} from './preprocess.js';
import type { DatasetSplit } from './types.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function randomImages(shape: ImageShape, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: shape.n * shape.height * shape.width * shape.channels }, () => rng.float());
}

function split(images: Float32Array, shape: ImageShape): DatasetSplit {
  return { ...shape, images, labels: new Int32Array(shape.n) };
}

const shapeArb = fc.record({
  n: fc.integer({ min: 1, max: 3 }),
  height: fc.integer({ min: 1, max: 9 }),
  width: fc.integer({ min: 1, max: 9 }),
  channels: fc.integer({ min: 1, max: 3 }),
});

describe('channel statistics and normalisation', () => {
  test('per-channel mean/std, then standardised channels', () => {
    // 2 pixels x 2 channels: channel 0 = (1, 3), channel 1 = (10, 10)
    const s = split(Float32Array.of(1, 10, 3, 10), { n: 1, height: 1, width: 2, channels: 2 });
    const stats = computeChannelStats(s);
    expect(stats.mean).toEqual([2, 10]);
    expect(stats.std).toEqual([1, 0]);
    expect(Array.from(normalizeSplit(s, stats).images)).toEqual([-1, 0, 1, 0]);
    expect(() => normalizeSplit(s, { mean: [0], std: [1] })).toThrow(InvalidArgumentError);
  });
});

describe('resize', () => {
  test('area 4x4 -> 2x2 averages 2x2 blocks', () => {
    const img = Float32Array.from({ length: 16 }, (_, i) => i);
    const out = resizeImages(img, { n: 1, height: 4, width: 4, channels: 1 }, 2, 2, 'area');
    expect(Array.from(out)).toEqual([2.5, 4.5, 10.5, 12.5]);
  });

  test.prop([shapeArb, fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 }), fc.integer()])(
    'area resize keeps each image\'s mean, and constants stay constant with both methods',
    (shape, height, width, seed) => {
      const img = randomImages(shape, seed);
      const out = resizeImages(img, shape, height, width, 'area');
      expect(out).toHaveLength(shape.n * height * width * shape.channels);
      const mean = (a: Float32Array): number => a.reduce((s, v) => s + v, 0) / a.length;
      expect(mean(out)).toBeCloseTo(mean(img), 4);
      const constant = new Float32Array(img.length).fill(0.75);
      for (const method of ['area', 'bilinear'] as const) {
        for (const v of resizeImages(constant, shape, height, width, method)) expect(v).toBeCloseTo(0.75, 5);
      }
    },
  );

  test.prop([shapeArb, fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 }), fc.integer()], { numRuns: 30 })(
    'bilinear matches tf.image.resizeBilinear with half-pixel centres',
    (shape, height, width, seed) => {
      const { ours, theirs } = expectNoTensorLeak(() => {
        const img = randomImages(shape, seed);
        const ours = resizeImages(img, shape, height, width, 'bilinear');
        const theirs = tf.tidy(() =>
          tf.image
            .resizeBilinear(tf.tensor4d(img, [shape.n, shape.height, shape.width, shape.channels]), [height, width], false, true)
            .dataSync(),
        );
        return { ours, theirs };
      });
      ours.forEach((v, i) => expect(v).toBeCloseTo(theirs[i] ?? NaN, 5));
    },
  );

  test('28x28 -> 16x16 split, and bad sizes', () => {
    const shape = { n: 2, height: 28, width: 28, channels: 1 };
    const s = resizeSplit(split(randomImages(shape, 1), shape), { height: 16, width: 16 });
    expect([s.n, s.height, s.width, s.channels, s.images.length]).toEqual([2, 16, 16, 1, 512]);
    expect(() => resizeImages(new Float32Array(4), { n: 1, height: 2, width: 2, channels: 1 }, 0, 2)).toThrow(InvalidArgumentError);
    expect(() => resizeImages(new Float32Array(3), { n: 1, height: 2, width: 2, channels: 1 }, 1, 1)).toThrow(InvalidArgumentError);
  });
});

describe('augmentImages', () => {
  const optionsArb = fc.record({ pad: fc.integer({ min: 0, max: 4 }), flip: fc.boolean() });

  test.prop([shapeArb, optionsArb, fc.integer()])('keeps the shape and is reproducible from the seed', (shape, options, seed) => {
    const img = randomImages(shape, seed);
    const copy = img.slice();
    const a = augmentImages(img, shape, options, createRng(seed));
    const b = augmentImages(img, shape, options, createRng(seed));
    expect(a).toHaveLength(img.length);
    expect(a).toEqual(b);
    expect(img).toEqual(copy);
  });

  test.prop([shapeArb, optionsArb, fc.integer()])(
    'each output image is the input shifted by at most pad (zeros outside) and maybe mirrored',
    (shape, options, seed) => {
      const img = randomImages(shape, seed);
      const out = augmentImages(img, shape, options, createRng(seed));
      const { height: h, width: w, channels: c } = shape;
      const size = h * w * c;
      for (let i = 0; i < shape.n; i++) {
        let found = false;
        for (let dy = -options.pad; dy <= options.pad && !found; dy++) {
          for (let dx = -options.pad; dx <= options.pad && !found; dx++) {
            for (const mirrored of options.flip ? [false, true] : [false]) {
              let ok = true;
              for (let y = 0; y < h && ok; y++) {
                for (let x = 0; x < w && ok; x++) {
                  const sy = y + dy;
                  const sx = (mirrored ? w - 1 - x : x) + dx;
                  for (let ch = 0; ch < c && ok; ch++) {
                    const expected = sy < 0 || sy >= h || sx < 0 || sx >= w ? 0 : img[i * size + (sy * w + sx) * c + ch];
                    ok = out[i * size + (y * w + x) * c + ch] === expected;
                  }
                }
              }
              if (ok) found = true;
            }
          }
        }
        expect(found).toBe(true);
      }
    },
  );

  test('pad 0 without flip is the identity; augmentation actually varies', () => {
    const shape = { n: 8, height: 8, width: 8, channels: 3 };
    const img = randomImages(shape, 5);
    expect(augmentImages(img, shape, { pad: 0, flip: false }, createRng(1))).toEqual(img);
    expect(augmentImages(img, shape, { pad: 2, flip: true }, createRng(1))).not.toEqual(img);
    expect(augmentImages(img, shape, { pad: 2, flip: true }, createRng(1))).not.toEqual(
      augmentImages(img, shape, { pad: 2, flip: true }, createRng(2)),
    );
  });

  test('defaults: CIFAR pad 4 + flip, 28x28 sets pad 2, no flip for MNIST digits', () => {
    expect(defaultAugmentation('cifar10')).toEqual({ pad: 4, flip: true });
    expect(defaultAugmentation('fashion-mnist')).toEqual({ pad: 2, flip: true });
    expect(defaultAugmentation('fashion-mnist-mini')).toEqual({ pad: 2, flip: true });
    expect(defaultAugmentation('mnist')).toEqual({ pad: 2, flip: false });
  });
});
