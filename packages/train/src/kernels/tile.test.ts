import * as tf from '@tensorflow/tfjs-core';
import { fc, test } from '@fast-check/vitest';
import { beforeAll, describe, expect, it } from 'vitest';

import { isTrainingKernelRegistered } from './register.js';
import { randomValues, runOn, setUpBackends } from '../testing/backends.js';
import { tileInPlace } from './tile.js';

beforeAll(setUpBackends);

/** Reference tile by index arithmetic. */
function referenceTile(values: readonly number[], shape: readonly number[], reps: readonly number[]): number[] {
  const outShape = shape.map((d, i) => d * (reps[i] ?? 1));
  const size = outShape.reduce((a, b) => a * b, 1);
  const out: number[] = [];
  for (let flat = 0; flat < size; flat++) {
    let rest = flat;
    let source = 0;
    let stride = 1;
    for (let axis = outShape.length - 1; axis >= 0; axis--) {
      const extent = outShape[axis] ?? 1;
      const index = rest % extent;
      rest = Math.floor(rest / extent);
      source += (index % (shape[axis] ?? 1)) * stride;
      stride *= shape[axis] ?? 1;
    }
    out.push(values[source] ?? Number.NaN);
  }
  return out;
}

const shapeAndReps = fc
  .array(fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 1, max: 4 })), { minLength: 1, maxLength: 5 })
  .map((pairs) => ({ shape: pairs.map(([d]) => d), reps: pairs.map(([, r]) => r) }));

describe('fast wasm Tile', () => {
  test.prop({ case: shapeAndReps })('tileInPlace equals index-arithmetic tiling', ({ case: c }) => {
    const size = c.shape.reduce((a, b) => a * b, 1);
    const outSize = size * c.reps.reduce((a, b) => a * b, 1);
    const values = Array.from({ length: size }, (_, i) => i + 1);
    const buffer = new Float32Array(outSize);
    buffer.set(values);
    tileInPlace(buffer, c.shape, c.reps);
    expect(Array.from(buffer)).toEqual(referenceTile(values, c.shape, c.reps));
  });

  it('is registered by lmreg', () => {
    expect(isTrainingKernelRegistered('Tile', 'wasm')).toBe(true);
  });

  test.prop({ case: shapeAndReps, dtype: fc.constantFrom<'float32' | 'int32' | 'bool'>('float32', 'int32', 'bool') }, { numRuns: 30 })(
    'tf.tile on wasm equals cpu for float32, int32 and bool',
    async ({ case: c, dtype }) => {
      const body = () => {
        const size = c.shape.reduce((a, b) => a * b, 1);
        const values = randomValues(size, 5).map((v) => (dtype === 'float32' ? v : dtype === 'int32' ? Math.round(v * 100) : v > 0 ? 1 : 0));
        return tf.tile(tf.tensor(values, c.shape, dtype), c.reps);
      };
      const [expected] = await runOn('cpu', body);
      const [actual] = await runOn('wasm', body);
      expect(actual).toEqual(expected);
    },
  );

  it('falls back to the built-in kernel for strings', async () => {
    const [actual] = await runOn('wasm', () => tf.tile(tf.tensor(['a', 'b'], [2, 1]), [2, 2]));
    expect(actual).toEqual(['a', 'a', 'b', 'b', 'a', 'a', 'b', 'b']);
  });
});
