// Where an NB201 (or DARTS) super-net training step spends its time on `--backend native`: every kernel
// registered for tfjs's cpu backend (stock and native) is wrapped with a timer; prints one JSON line
// with ms per step and call counts by kernel name, slowest first, and the share of the step that
// no kernel accounts for (autodiff bookkeeping, tidy, JS glue).
// Needs the built packages and addon (see bench/native-vs-torch.mjs).
// Run:  OMP_NUM_THREADS=1 node bench/native-profile.mjs [C8N1b64] [steps]
//       OMP_NUM_THREADS=1 node bench/native-profile.mjs dartsC16L5b64 [steps]   (DARTS 8-op super-net, C=16,
//       5 cells; one uniformly random genotype per step, as bench/native-vs-torch.mjs draws them)
import { fileURLToPath, pathToFileURL } from 'node:url';

import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@lmreg/common';

import { loadTrain } from './load-train.mjs';

const id = process.argv[2] ?? 'C8N1b64';
const steps = Number(process.argv[3] ?? 4);
const nb201Id = /^C(\d+)N(\d+)b(\d+)$/.exec(id);
const dartsId = /^dartsC(\d+)L(\d+)b(\d+)$/.exec(id);
if (nb201Id === null && dartsId === null) throw new Error(`bad config ${id} (use e.g. C8N1b64 or dartsC16L5b64)`);
const [C, N, batch] = (nb201Id ?? dartsId).slice(1).map(Number);
const root = fileURLToPath(new URL('..', import.meta.url));
// BENCH_TRAIN_DIST=/path/to/dist/index.js profiles another build of @lmreg/train (e.g. a patched copy).
const train = process.env.BENCH_TRAIN_DIST ? await import(pathToFileURL(process.env.BENCH_TRAIN_DIST).href) : await loadTrain();
const selected = await train.selectBackend(process.env.BENCH_BACKEND ?? 'native');
process.stderr.write(`${selected.reason}\n`);
if (selected.name === 'native') {
  const native = await import(pathToFileURL(`${root}packages/tfjs-native/dist/index.js`).href);
  native.setNativeThreads(Number(process.env.OMP_NUM_THREADS ?? 1));
}

const stats = new Map();
let active = false;
for (const config of tf.getKernelsForBackend(selected.name === 'native' ? 'cpu' : selected.name)) {
  const inner = config.kernelFunc;
  tf.unregisterKernel(config.kernelName, config.backendName);
  tf.registerKernel({
    ...config,
    kernelFunc: (args) => {
      if (!active) return inner(args);
      const t0 = performance.now();
      const out = inner(args);
      const s = stats.get(config.kernelName) ?? { ms: 0, calls: 0, elements: 0 };
      s.ms += performance.now() - t0;
      s.calls += 1;
      const outs = Array.isArray(out) ? out : [out];
      s.elements += outs.reduce((a, t) => a + t.shape.reduce((p, d) => p * d, 1), 0);
      stats.set(config.kernelName, s);
      return out;
    },
  });
}

const rng = createRng(dartsId === null ? C * 100 + N : 1000 + C * 10 + N);
const DARTS_OPS = ['none', 'max_pool_3x3', 'avg_pool_3x3', 'skip_connect', 'sep_conv_3x3', 'sep_conv_5x5', 'dil_conv_3x3', 'dil_conv_5x5'];
const dartsCell = () => Array.from({ length: 8 }, (_, q) => [rng.pick(DARTS_OPS), rng.int(Math.floor(q / 2) + 2)]);
const dartsConvs = Array.from({ length: 8 }, (_, q) => [q % 2 ? 'dil_conv_5x5' : 'sep_conv_3x3', q % 2]);
const randomArch = dartsId === null ? () => Array.from({ length: 6 }, () => rng.pick(train.NB201_OPS)) : () => ({ normal: dartsCell(), reduce: dartsCell() });
const warmArch = dartsId === null ? Array(6).fill('nor_conv_3x3') : { normal: dartsConvs, reduce: dartsConvs };
const net =
  dartsId === null
    ? train.createNb201Supernet({ channels: C, cells: N, classes: 10, seed: 0 })
    : train.createDartsSupernet({ channels: C, layers: N, classes: 10, seed: 0 });
const optimizer = train.createSgd({ momentum: 0.9, weightDecay: dartsId === null ? 5e-4 : 3e-4 });
const x = tf.randomNormal([batch, 32, 32, 3], 0, 1, 'float32', 1);
const y = tf.tensor1d(
  Array.from({ length: batch }, () => rng.int(10)),
  'int32',
);
train.trainStep({ net, arch: warmArch, x, y, optimizer, lr: 0.025 });
train.trainStep({ net, arch: randomArch(), x, y, optimizer, lr: 0.025 });
active = true;
const faults0 = process.resourceUsage().minorPageFault;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
for (let i = 0; i < steps; i++) train.trainStep({ net, arch: randomArch(), x, y, optimizer, lr: 0.025 });
const total = (performance.now() - t0) / steps;
const cpuMsPerStep = (() => {
  const c = process.cpuUsage(cpu0);
  return (c.user + c.system) / 1000 / steps;
})();
const faultsPerStep = Math.round((process.resourceUsage().minorPageFault - faults0) / steps);
active = false;
const kernels = [...stats.entries()]
  .map(([name, s]) => ({
    name,
    msPerStep: +(s.ms / steps).toFixed(2),
    callsPerStep: +(s.calls / steps).toFixed(1),
    meanOutElements: Math.round(s.elements / s.calls),
  }))
  .sort((a, b) => b.msPerStep - a.msPerStep);
const inKernels = kernels.reduce((a, k) => a + k.msPerStep, 0);
console.log(
  JSON.stringify({
    bench: 'native-profile',
    backend: selected.name,
    config: id,
    steps,
    msPerStep: +total.toFixed(1),
    cpuMsPerStep: +cpuMsPerStep.toFixed(1),
    msOutsideKernels: +(total - inKernels).toFixed(1),
    minorPageFaultsPerStep: faultsPerStep,
    kernelCallsPerStep: +kernels.reduce((a, k) => a + k.callsPerStep, 0).toFixed(0),
    kernels,
  }),
);
tf.dispose([x, y]);
optimizer.dispose();
net.dispose();
