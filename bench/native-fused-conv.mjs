// Fused ReLU-conv-BN (one native kernel each way) against the same function as separate native
// kernels (LmregRelu, Conv2D, LmregBatchNormTrain and their gradients), forward + backward of
// sum(op(x) * r), alternating, best of rounds. Prints one JSON line.
// Run: OMP_NUM_THREADS=1 node bench/native-fused-conv.mjs [rounds]
import '@tensorflow/tfjs-backend-cpu';
import { fileURLToPath, pathToFileURL } from 'node:url';

import * as tf from '@tensorflow/tfjs-core';
import { ensureGradients } from '@lmreg/core';

const root = fileURLToPath(new URL('..', import.meta.url));
const native = await import(pathToFileURL(`${root}packages/tfjs-native/dist/index.js`).href);
await tf.setBackend('cpu');
ensureGradients();
native.registerNativeKernels();
native.setNativeThreads(Number(process.env.OMP_NUM_THREADS ?? 1));
const rounds = Number(process.argv[2] ?? 5);

const composite = (x, f, g, b, stride) =>
  tf
    .engine()
    .runKernel(
      'LmregBatchNormTrain',
      { x: tf.conv2d(tf.engine().runKernel('LmregRelu', { x }), f, stride, f.shape[0] === 1 ? 'valid' : 1), gamma: g, beta: b },
      { epsilon: 1e-5 },
    );
const fused = (x, f, g, b, stride) => native.reluConvBn(x, f, g, b, { stride });

const cases = [
  { n: 64, h: 32, c: 8, o: 8, k: 3, stride: 1 },
  { n: 64, h: 32, c: 8, o: 8, k: 1, stride: 1 },
  { n: 64, h: 32, c: 16, o: 16, k: 3, stride: 1 },
  { n: 64, h: 32, c: 8, o: 16, k: 3, stride: 2 },
];
const results = [];
for (const c of cases) {
  const x = tf.randomNormal([c.n, c.h, c.h, c.c], 0, 1, 'float32', 1);
  const f = tf.randomNormal([c.k, c.k, c.c, c.o], 0, 0.3, 'float32', 2);
  const g = tf.ones([c.o]);
  const b = tf.zeros([c.o]);
  const time = (op) => {
    const t0 = performance.now();
    tf.tidy(() => {
      const r = tf.onesLike(op(x, f, g, b, c.stride));
      const grads = tf.grads((a, w, s, t) => tf.sum(tf.mul(op(a, w, s, t, c.stride), r)))([x, f, g, b]);
      grads[1].dataSync();
    });
    return performance.now() - t0;
  };
  time(composite);
  time(fused);
  let best = { composite: Infinity, fused: Infinity };
  for (let i = 0; i < rounds; i++) {
    best.composite = Math.min(best.composite, time(composite));
    best.fused = Math.min(best.fused, time(fused));
  }
  results.push({ ...c, compositeMs: +best.composite.toFixed(2), fusedMs: +best.fused.toFixed(2) });
  tf.dispose([x, f, g, b]);
}
console.log(JSON.stringify({ bench: 'native-fused-conv', threads: native.getNativeThreads(), results }));
