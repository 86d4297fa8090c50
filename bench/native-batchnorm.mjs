// Training-mode batch norm on the tfjs cpu backend with @lmreg/tfjs-native registered: the
// composite form in tfjs ops (tf.moments + broadcasting, as @lmreg/train writes it, every op on a
// native kernel) against the fused oneDNN kernel (batchNormWithBatchStats), forward alone and
// forward + backward of sum(bn(x) * r), NHWC 64x32x32xC, 1 thread; ms per call (mean of 20).
// Needs: npm run build:native and npx turbo run build --filter=@lmreg/tfjs-native...
// Run:  OMP_NUM_THREADS=1 node bench/native-batchnorm.mjs     (prints one JSON line)
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { ensureGradients } from '@lmreg/core';

const native = await import('../packages/tfjs-native/dist/index.js');
await tf.setBackend('cpu');
ensureGradients();
native.registerNativeKernels();
native.setNativeThreads(Number(process.env.OMP_NUM_THREADS ?? 1));
const composite = (x, g, b) => {
  const { mean, variance } = tf.moments(x, [0, 1, 2]);
  const scale = tf.mul(g, tf.rsqrt(tf.add(variance, 1e-5)));
  return tf.add(tf.mul(x, scale), tf.sub(b, tf.mul(mean, scale)));
};
const results = [];
for (const c of [8, 16]) {
  const x = tf.randomNormal([64, 32, 32, c]),
    g = tf.ones([c]),
    b = tf.zeros([c]),
    r = tf.randomNormal([64, 32, 32, c]);
  const row = { shape: [64, 32, 32, c] };
  for (const [name, bn] of [
    ['composite', composite],
    ['fused', native.batchNormWithBatchStats],
  ]) {
    const both = () =>
      tf.tidy(
        () =>
          tf
            .grads((xi, gi, bi) => tf.sum(tf.mul(bn(xi, gi, bi), r)))([x, g, b])[0]
            .dataSync()[0],
      );
    const forward = () => tf.tidy(() => bn(x, g, b).dataSync()[0]);
    for (let k = 0; k < 3; k++) {
      both();
      forward();
    }
    let t0 = performance.now();
    for (let i = 0; i < 20; i++) forward();
    const forwardMs = (performance.now() - t0) / 20;
    t0 = performance.now();
    for (let i = 0; i < 20; i++) both();
    row[name] = { forwardMs: +forwardMs.toFixed(2), forwardBackwardMs: +((performance.now() - t0) / 20).toFixed(2) };
  }
  results.push(row);
  tf.dispose([x, g, b, r]);
}
console.log(JSON.stringify({ bench: 'native-batchnorm', threads: native.getNativeThreads(), results }));
