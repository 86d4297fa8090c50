// Milliseconds per call on the tfjs wasm backend (XNNPACK, 1 thread) of a 3x3 convolution at
// N=64, C=16 -> 16, 32x32, 'same': forward, backprop input and backprop filter, lmreg's kernels
// (packages/train/src/kernels) against tfjs-backend-wasm 4.22's built-ins where it has them, plus
// stride 2, depthwise, pooling gradients and the Tile that tf.batchNorm's gradient uses.
// Needs the built packages (`npm run build`).
// Run:  node bench/wasm-conv.mjs          (prints one JSON line; BENCH_REPS=5 by default)
import * as tf from '@tensorflow/tfjs-core';

import { loadTrain } from './load-train.mjs';

const reps = Number(process.env.BENCH_REPS ?? 5);

/** Median milliseconds of `reps` calls of `f` after one warm-up call; `f` returns what to dispose. */
function time(f, count = reps) {
  tf.dispose(f());
  const samples = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    const out = f();
    samples.push(performance.now() - start);
    tf.dispose(out);
  }
  samples.sort((a, b) => a - b);
  return Math.round(samples[Math.floor(samples.length / 2)] * 10) / 10;
}

const train = await loadTrain();
const source = 'dist';
const selected = await train.selectBackend('wasm');

const N = 64;
const C = 16;
const S = 32;
const x = tf.randomNormal([N, S, S, C]);
const w = tf.randomNormal([3, 3, C, C]);
const dy = tf.randomNormal([N, S, S, C]);
const dy2 = tf.randomNormal([N, S / 2, S / 2, C]);
const wd = tf.randomNormal([3, 3, C, 1]);
const conv = (stride) => ({ strides: [stride, stride], pad: 'same', dataFormat: 'NHWC' });
const run = (name, inputs, attrs) => tf.engine().runKernel(name, inputs, attrs);

const inputGrad = (stride, g) => () => run('Conv2DBackpropInput', { dy: g, filter: w }, { ...conv(stride), inputShape: [N, S, S, C] });
const filterGrad = (stride, g) => () => run('Conv2DBackpropFilter', { x, dy: g }, { ...conv(stride), filterShape: [3, 3, C, C] });
const depthInput = () =>
  run('DepthwiseConv2dNativeBackpropInput', { dy, filter: wd }, { strides: [1, 1], dilations: [1, 1], pad: 'same', inputShape: [N, S, S, C] });
const depthFilter = () => run('DepthwiseConv2dNativeBackpropFilter', { x, dy }, { strides: [1, 1], dilations: [1, 1], pad: 'same', filterShape: [3, 3, C, 1] });
const poolAttrs = { filterSize: [3, 3], strides: [1, 1], pad: 'same' };
const avgGrad = () => run('AvgPoolGrad', { dy, input: x }, poolAttrs);
const maxGrad = () => run('MaxPoolGrad', { dy, input: x, output: x }, poolAttrs);
const tileBn = () => tf.tile(tf.ones([1, 1, 1, C]), [N, S, S, 1]);

const ours = {
  forwardMs: time(() => tf.conv2d(x, w, 1, 'same')),
  backpropInputMs: time(inputGrad(1, dy)),
  backpropFilterMs: time(filterGrad(1, dy)),
  stride2: {
    forwardMs: time(() => tf.conv2d(x, w, 2, 'same')),
    backpropInputMs: time(inputGrad(2, dy2)),
    backpropFilterMs: time(filterGrad(2, dy2)),
  },
  depthwise3x3: { forwardMs: time(() => tf.depthwiseConv2d(x, wd, 1, 'same')), backpropInputMs: time(depthInput), backpropFilterMs: time(depthFilter) },
  avgPoolGrad3x3Ms: time(avgGrad),
  maxPoolGrad3x3Ms: time(maxGrad),
  tileForBatchNormMs: time(tileBn),
};

// The same calls with tfjs-backend-wasm's own kernels (null: it has none).
train.unregisterTrainingKernels('wasm');
const builtin = (f, count) => {
  try {
    return time(f, count);
  } catch (error) {
    if (/not registered/.test(String(error?.message))) return null;
    throw error;
  }
};
const stock = {
  backpropInputMs: builtin(inputGrad(1, dy), 2),
  backpropFilterMs: builtin(filterGrad(1, dy), 2),
  stride2: { backpropInputMs: builtin(inputGrad(2, dy2), 2), backpropFilterMs: builtin(filterGrad(2, dy2), 2) },
  depthwise3x3: { backpropInputMs: builtin(depthInput, 2), backpropFilterMs: builtin(depthFilter, 2) },
  avgPoolGrad3x3Ms: builtin(avgGrad, 2),
  maxPoolGrad3x3Ms: builtin(maxGrad, 2),
  tileForBatchNormMs: builtin(tileBn, 2),
};
train.registerTrainingKernels('wasm');

console.log(
  JSON.stringify({
    bench: 'wasm-conv',
    shape: { N, C, H: S, W: S, kernel: 3, pad: 'same' },
    backend: selected.reason,
    source,
    reps,
    lmreg: ours,
    tfjsWasmBuiltin: stock,
  }),
);
