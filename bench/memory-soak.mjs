// Memory soak: 1,000 super-net training steps with a new random NB201 path each step (tiny network
// so it finishes in a few minutes on wasm: C=4 N=1, batch 32, 16x16x3), an evaluation every 100
// steps. Prints tf.memory().numTensors after the warm-up step and at the end, the tfjs byte count,
// and the process RSS at start / max (sampled every 10 steps) / end. Momentum buffers are created
// lazily, so a warm-up first trains every op once (numTensors must then stay flat).
// Needs packages/train/dist (npx turbo run build --filter=@lmreg/train...).
// Run:  node bench/memory-soak.mjs                (prints one JSON line)
//       BENCH_STEPS=200 BENCH_BACKEND=cpu node bench/memory-soak.mjs
import { pathToFileURL, fileURLToPath } from 'node:url';

import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@lmreg/common';

const root = fileURLToPath(new URL('..', import.meta.url));
const train = await import(pathToFileURL(`${root}packages/train/dist/index.js`).href);
await train.selectBackend(process.env.BENCH_BACKEND ?? 'wasm');

const steps = Number(process.env.BENCH_STEPS ?? 1000);
const batch = 32;
const size = 16;
const rng = createRng(7);
const net = train.createNb201Supernet({ channels: 4, cells: 1, classes: 10, inputChannels: 3, seed: 0 });
const optimizer = train.createSgd({ momentum: 0.9, weightDecay: 5e-4 });
const randomArch = () => Array.from({ length: 6 }, () => rng.pick(train.NB201_OPS));
const mb = (b) => +(b / 2 ** 20).toFixed(1);
const started = performance.now();
const step = (arch = randomArch()) => {
  const x = tf.randomNormal([batch, size, size, 3], 0, 1, 'float32', rng.int(1e9));
  const y = tf.tensor1d(
    Array.from({ length: batch }, () => rng.int(10)),
    'int32',
  );
  try {
    return train.trainStep({ net, arch, x, y, optimizer, lr: 0.05 });
  } finally {
    tf.dispose([x, y]);
  }
};
// Warm-up: one step per op with that op on all six edges, so that every momentum buffer exists.
for (const op of train.NB201_OPS) step(Array.from({ length: 6 }, () => op));
const tensorsStart = tf.memory().numTensors;
const bytesStart = tf.memory().numBytes;
const rssStart = process.memoryUsage().rss;
let rssMax = rssStart;
let tensorsMax = tensorsStart;
let lastLoss = NaN;
for (let i = 1; i <= steps; i++) {
  lastLoss = step().loss;
  if (i % 10 === 0) {
    rssMax = Math.max(rssMax, process.memoryUsage().rss);
    tensorsMax = Math.max(tensorsMax, tf.memory().numTensors);
  }
  if (i % 100 === 0) {
    const x = tf.randomNormal([64, size, size, 3], 0, 1, 'float32', i);
    const y = tf.tensor1d(
      Array.from({ length: 64 }, () => rng.int(10)),
      'int32',
    );
    train.evaluate(net, randomArch(), [{ x, y }]);
    tf.dispose([x, y]);
  }
}
const tensorsEnd = tf.memory().numTensors;
const bytesEnd = tf.memory().numBytes;
const rssEnd = process.memoryUsage().rss;
optimizer.dispose();
net.dispose();
console.log(
  JSON.stringify({
    bench: 'memory-soak',
    backend: tf.getBackend(),
    config: 'C4N1',
    batch,
    input: `${size}x${size}x3`,
    steps,
    seconds: +((performance.now() - started) / 1000).toFixed(1),
    lastLoss: +lastLoss.toFixed(3),
    numTensors: { start: tensorsStart, max: tensorsMax, end: tensorsEnd },
    tfMB: { start: mb(bytesStart), end: mb(bytesEnd) },
    rssMB: { start: mb(rssStart), max: mb(rssMax), end: mb(rssEnd) },
    tensorsAfterDispose: tf.memory().numTensors,
  }),
);
