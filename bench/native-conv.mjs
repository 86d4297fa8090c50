// Milliseconds per call of a 3x3 'same' convolution, C=16 -> 16, 32x32, at N=64 and N=256:
// forward (Conv2D), backward-data (Conv2DBackpropInput) and backward-weights (Conv2DBackpropFilter)
// - native: @lmreg/tfjs-native's oneDNN kernels, with all threads and with 1 (setNativeThreads), registered on the tfjs cpu backend (tf.engine().runKernel,
//   so JS overhead and the output allocation are included);
// - cpu: tfjs-backend-cpu 4.22's own kernels (pure JS, BENCH_CPU_REPS=1 call without warm-up: its
//   Conv2DBackpropFilter takes ~80 s at N=64; BENCH_CPU=0 skips it, N=256 only with BENCH_CPU_256=1);
// - wasm: tfjs-backend-wasm with lmreg's training kernels (packages/train/dist; skipped if not built or BENCH_WASM=0).
// GFLOP/s counts 2*N*H*W*C_in*C_out*9 per op; peak = ~190 GFLOP/s (2 cores x 32 FLOP/cycle x ~3 GHz).
// Needs: npm run build:native and npx tsup in packages/tfjs-native.
// Run:  node bench/native-conv.mjs    (OMP_NUM_THREADS=1 for one thread; prints one JSON line)
import { pathToFileURL, fileURLToPath } from 'node:url';

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';

const root = fileURLToPath(new URL('..', import.meta.url));
const reps = Number(process.env.BENCH_REPS ?? 10);
const cpuReps = Number(process.env.BENCH_CPU_REPS ?? 1);
const PEAK = 190;
const native = await import(pathToFileURL(`${root}packages/tfjs-native/dist/index.js`).href);

/** { median, min } milliseconds of `count` calls (after one warm-up call unless `warm` is false). */
function time(f, count, warm = true) {
  if (warm) tf.dispose(f());
  const samples = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    const out = f();
    if (out && typeof out.dataSync === 'function') out.dataSync();
    samples.push(performance.now() - start);
    tf.dispose(out);
  }
  samples.sort((a, b) => a - b);
  const round = (v) => Math.round(v * 100) / 100;
  return { median: round(samples[Math.floor(samples.length / 2)]), min: round(samples[0]) };
}

const C = 16;
const S = 32;
const attrs = { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', dilations: [1, 1] };

function measure(N, count, warm = true) {
  const x = tf.randomNormal([N, S, S, C]);
  const w = tf.randomNormal([3, 3, C, C]);
  const dy = tf.randomNormal([N, S, S, C]);
  const run = (name, inputs, extra) => () => tf.engine().runKernel(name, inputs, { ...attrs, ...extra });
  const out = {
    fwd: time(run('Conv2D', { x, filter: w }), count, warm),
    bwdData: time(run('Conv2DBackpropInput', { dy, filter: w }, { inputShape: [N, S, S, C] }), count, warm),
    bwdWeights: time(run('Conv2DBackpropFilter', { x, dy }, { filterShape: [3, 3, C, C] }), count, warm),
  };
  tf.dispose([x, w, dy]);
  return out;
}

const gflops = (N, ms) => Math.round(((2 * N * S * S * C * C * 9) / (ms * 1e-3)) * 1e-9 * 10) / 10;
/** Per op: median and min ms, and GFLOP/s and fraction of peak at the min (the least disturbed run). */
const withRates = (N, ms) =>
  Object.fromEntries(
    Object.entries(ms).map(([k, v]) => [
      k,
      { ms: v.median, minMs: v.min, gflopsAtMin: gflops(N, v.min), peakFractionAtMin: Math.round((gflops(N, v.min) / PEAK) * 1000) / 1000 },
    ]),
  );

await tf.setBackend('cpu');
const threads = native.getNativeThreads();
const result = { threads, onednn: native.nativeVersion(), reps, cpuReps };
for (const N of [64, 256]) {
  native.registerNativeKernels();
  for (const t of threads > 1 ? [threads, 1] : [1]) {
    native.setNativeThreads(t);
    result[`native_${t}t_N${N}`] = withRates(N, measure(N, reps));
  }
  native.setNativeThreads(threads);
  native.unregisterNativeKernels();
  if (process.env.BENCH_CPU !== '0' && (N === 64 || process.env.BENCH_CPU_256 === '1')) {
    result[`cpu_N${N}`] = withRates(N, measure(N, cpuReps, false));
  }
}
const n64 = result[`native_${threads}t_N64`];
const c64 = result.cpu_N64;
if (c64) result.speedupOverCpu_N64 = Object.fromEntries(Object.keys(n64).map((k) => [k, Math.round((c64[k].ms / n64[k].ms) * 10) / 10]));

if (process.env.BENCH_WASM !== '0') {
  try {
    const train = await import(pathToFileURL(`${root}packages/train/dist/index.js`).href);
    if (await train.selectBackend('wasm')) {
      result.wasm_N64 = withRates(64, measure(64, Math.min(reps, 5)));
    }
  } catch (error) {
    result.wasm_N64 = `skipped: ${String(error).split('\n')[0]}`;
  }
}
console.log(JSON.stringify(result));
