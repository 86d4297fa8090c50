// Images per second of one NB201 super-net training step (a new uniformly random path each step:
// forward + cross-entropy + one gradient + clip 5 + SGD momentum 0.9 / wd 5e-4) on tfjs's pure-JS
// `cpu` backend, 32x32x3 inputs, batch 64, at C=8 N=1 and C=16 N=5. Slow: a few steps only.
// Needs the built packages (`npm run build`).
// Run:  node bench/train-step-nb201.mjs            (prints one JSON line)
//       BENCH_STEPS_SMALL=3 BENCH_STEPS_LARGE=1 node bench/train-step-nb201.mjs
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@lmreg/common';
import { ensureGradients } from '@lmreg/core';

import { loadTrain } from './load-train.mjs';

const train = await loadTrain();
const source = 'dist';
if (!(await tf.setBackend('cpu'))) throw new Error('tfjs cpu backend failed to initialise');
if (!ensureGradients()) throw new Error('tfjs gradients are not registered');

const OPS = train.NB201_OPS;
const batch = 64;
const configs = [
  { channels: 8, cells: 1, steps: Number(process.env.BENCH_STEPS_SMALL ?? 3) },
  { channels: 16, cells: 5, steps: Number(process.env.BENCH_STEPS_LARGE ?? 2) },
];

const results = [];
for (const { channels, cells, steps } of configs) {
  if (!(steps > 0)) continue;
  const rng = createRng(channels * 100 + cells);
  const net = train.createNb201Supernet({ channels, cells, classes: 10, seed: 0 });
  const optimizer = train.createSgd({ momentum: 0.9, weightDecay: 5e-4 });
  const x = tf.randomNormal([batch, 32, 32, 3], 0, 1, 'float32', 1);
  const y = tf.tensor1d(
    Array.from({ length: batch }, () => rng.int(10)),
    'int32',
  );
  const randomArch = () => Array.from({ length: 6 }, () => rng.pick(OPS));
  const step = () => train.trainStep({ net, arch: randomArch(), x, y, optimizer, lr: 0.025 });
  step(); // warm-up: kernels, momentum buffers
  const tensorsBefore = tf.memory().numTensors;
  const buffersBefore = Object.keys(optimizer.state().momentum).length;
  const times = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    step();
    times.push((performance.now() - t0) / 1000);
  }
  const seconds = times.reduce((a, b) => a + b, 0);
  // Eval forward of one fixed all-conv3x3 path (the heaviest), for reference.
  const evalArch = Array(6).fill('nor_conv_3x3');
  const t1 = performance.now();
  train.evaluate(net, evalArch, [{ x, y }]);
  const evalSeconds = (performance.now() - t1) / 1000;
  results.push({
    channels,
    cells,
    batch,
    steps,
    train_images_per_s: Number(((steps * batch) / seconds).toFixed(2)),
    step_seconds: times.map((t) => Number(t.toFixed(2))),
    eval_all_conv3x3_images_per_s: Number((batch / evalSeconds).toFixed(2)),
    // new momentum buffers (first gradient of a variable) are expected; anything else is a leak
    leaked_tensors: tf.memory().numTensors - tensorsBefore - (Object.keys(optimizer.state().momentum).length - buffersBefore),
    params_supernet: [...net.allVariables().values()].reduce((a, v) => a + v.size, 0),
  });
  tf.dispose([x, y]);
  optimizer.dispose();
  net.dispose();
}

console.log(JSON.stringify({ bench: 'train-step-nb201', backend: tf.getBackend(), source, input: [32, 32, 3], node: process.version, results }));
