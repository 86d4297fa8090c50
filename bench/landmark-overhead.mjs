// Cost of the landmark ranking term: time of a super-net step with the term (m = 1 pair: two more
// forward+backward passes of fixed landmark architectures on a ranking batch of the same size,
// hinge loss, lambda 1) divided by the time of a plain step (one random path, cross-entropy).
// wasm backend with lmreg's training kernels, NB201 C=8 N=1, batch 64, 32x32x3. Plain and landmark
// steps alternate so machine noise hits both alike; medians are reported, of wall time and of the
// process's CPU time (user + system, all threads: less disturbed by other jobs on the machine).
// Needs packages/train/dist (npx turbo run build --filter=@lmreg/train...); BENCH_BACKEND=native|cpu|wasm picks the backend,
// BENCH_THREADS the native backend's thread count (default: its own default).
// Run:  node bench/landmark-overhead.mjs          (prints one JSON line)
//       BENCH_STEPS=10 node bench/landmark-overhead.mjs
//       BENCH_BACKEND=native BENCH_THREADS=1 BENCH_STEPS=20 node bench/landmark-overhead.mjs
import os from 'node:os';
import { pathToFileURL, fileURLToPath } from 'node:url';

import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@lmreg/common';
import { pairRankingLoss } from '@lmreg/core';

const root = fileURLToPath(new URL('..', import.meta.url));
const train = await import(pathToFileURL(`${root}packages/train/dist/index.js`).href);
const selected = await train.selectBackend(
  process.env.BENCH_BACKEND ?? 'wasm',
  process.env.BENCH_THREADS === undefined ? {} : { threads: Number(process.env.BENCH_THREADS) },
);

const batch = 64;
const steps = Number(process.env.BENCH_STEPS ?? 8);
const rng = createRng(1);
const net = train.createNb201Supernet({ channels: 8, cells: 1, classes: 10, inputChannels: 3, seed: 0 });
const optimizer = train.createSgd({ momentum: 0.9, weightDecay: 5e-4 });
const randomArch = () => Array.from({ length: 6 }, () => rng.pick(train.NB201_OPS));
const x = tf.randomNormal([batch, 32, 32, 3], 0, 1, 'float32', 1);
const y = tf.tensor1d(
  Array.from({ length: batch }, () => rng.int(10)),
  'int32',
);
const xr = tf.randomNormal([batch, 32, 32, 3], 0, 1, 'float32', 2);
const yr = tf.tensor1d(
  Array.from({ length: batch }, () => rng.int(10)),
  'int32',
);
const better = randomArch();
const worse = randomArch();
const extraLoss = (n) => {
  const lb = train.softmaxCrossEntropy(n.forward(better, xr, { training: true }), yr);
  const lw = train.softmaxCrossEntropy(n.forward(worse, xr, { training: true }), yr);
  return pairRankingLoss(lb, lw, { kind: 'hinge', margin: 0 });
};
const plain = () => train.trainStep({ net, arch: randomArch(), x, y, optimizer, lr: 0.025 });
const landmark = () => train.trainStep({ net, arch: randomArch(), x, y, optimizer, lr: 0.025, extraLoss });
const cpuS = [];
const time = (f) => {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  f();
  const c = process.cpuUsage(c0);
  cpuS.push((c.user + c.system) / 1e6);
  return (performance.now() - t0) / 1000;
};
// Warm-up: every op once on all edges (creates every momentum buffer), then one step of each kind.
for (const op of train.NB201_OPS) train.trainStep({ net, arch: Array.from({ length: 6 }, () => op), x, y, optimizer, lr: 0.025 });
plain();
landmark();
const tensorsStart = tf.memory().numTensors;
const plainS = [];
const landmarkS = [];
const plainCpuS = [];
const landmarkCpuS = [];
cpuS.length = 0;
for (let i = 0; i < steps; i++) {
  plainS.push(time(plain));
  plainCpuS.push(cpuS.at(-1));
  landmarkS.push(time(landmark));
  landmarkCpuS.push(cpuS.at(-1));
}
const median = (a) => {
  const s = [...a].sort((p, q) => p - q);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const leaked = tf.memory().numTensors - tensorsStart;
tf.dispose([x, y, xr, yr]);
optimizer.dispose();
net.dispose();
console.log(
  JSON.stringify({
    bench: 'landmark-overhead',
    backend: selected.name,
    ...(selected.threads === undefined ? {} : { threads: selected.threads }),
    config: 'C8N1',
    batch,
    input: '32x32x3',
    steps,
    plainStepS: +median(plainS).toFixed(3),
    landmarkStepS: +median(landmarkS).toFixed(3),
    ratio: +(median(landmarkS) / median(plainS)).toFixed(2),
    plainStepCpuS: +median(plainCpuS).toFixed(3),
    landmarkStepCpuS: +median(landmarkCpuS).toFixed(3),
    cpuRatio: +(median(landmarkCpuS) / median(plainCpuS)).toFixed(2),
    load: os.loadavg().map((v) => +v.toFixed(2)),
    referenceRatio: 3.5,
    leakedTensors: leaked,
  }),
);
