// tfjs kernel calls per NB201 (or DARTS: --space darts) super-net training step on `--backend native`, over many uniformly
// random paths (bench/native-vs-torch.mjs counts only the few steps it times), with the calls by
// kernel name and the tensors the tape saved (each an `Identity` call; savedTensorsBy misses those
// of custom-gradient ops, i.e. @lmreg/train's fused conv-BN and FactorizedReduce calls, which save
// through tf.customGrad: they are in the Identity count only). Counts, not time: those
// figures do not depend on the machine's load. It also times the clip + SGD update of one path's
// gradients (SgdOptimizer.clipAndApplyGradients), the fused LmregClipSgd kernel against the
// composite tfjs ops (`fused: false`), alternating, median of 20 each (1 thread; a noisy figure).
//
// Needs: npm run build:native --workspace packages/tfjs-native; npx turbo run build --filter=@lmreg/train...
// Run:   node bench/native-kernel-calls.mjs [--channels 8] [--cells 1] [--steps 50] [--seed 1]
//        node bench/native-kernel-calls.mjs --space darts --channels 16 --layers 5 --steps 10 [--batch 8]
//        (DARTS: the 8-op super-net, one uniformly random genotype per step; "allConv3x3" is then
//        the step on the all-separable/dilated-conv genotype)
// stdout: ONE JSON line {"bench":"native-kernel-calls",...,"perStep":{"mean":...,"min":...,"max":...},"byKernel":{...}}
import { parseArgs } from 'node:util';

import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@lmreg/common';

import { loadTrain } from './load-train.mjs';

const { values: args } = parseArgs({
  options: {
    channels: { type: 'string', default: '8' },
    cells: { type: 'string', default: '1' },
    steps: { type: 'string', default: '50' },
    seed: { type: 'string', default: '1' },
    batch: { type: 'string', default: '8' },
    space: { type: 'string', default: 'nb201' },
    layers: { type: 'string', default: '5' },
  },
});
const steps = Number(args.steps);
const train = await loadTrain();
const selected = await train.selectBackend('native', { threads: 1 });
if (selected.name !== 'native') throw new Error(`the native backend did not load: ${selected.reason}`);

const byKernel = new Map();
let total = 0;
for (const config of tf.getKernelsForBackend('cpu')) {
  const inner = config.kernelFunc;
  tf.unregisterKernel(config.kernelName, config.backendName);
  tf.registerKernel({
    ...config,
    kernelFunc: (a) => {
      total++;
      byKernel.set(config.kernelName, (byKernel.get(config.kernelName) ?? 0) + 1);
      return inner(a);
    },
  });
}
// tensors saved for the backward pass, by the kernel that saved them (each is one Identity call)
const engine = tf.engine();
const savedBy = new Map();
let running = '';
const runKernelFunc = engine.runKernelFunc.bind(engine);
engine.runKernelFunc = (params) => {
  const outer = running;
  running = params.kernelName ?? 'custom op';
  try {
    return runKernelFunc(params);
  } finally {
    running = outer;
  }
};
const save = engine.saveTensorsForBackwardMode.bind(engine);
engine.saveTensorsForBackwardMode = (tensors) => {
  savedBy.set(running, (savedBy.get(running) ?? 0) + tensors.length);
  return save(tensors);
};

const batch = Number(args.batch);
const rng = createRng(Number(args.seed));
const darts = args.space === 'darts';
if (!darts && args.space !== 'nb201') throw new Error(`--space must be nb201 or darts, got ${args.space}`);
const net = darts
  ? train.createDartsSupernet({ channels: Number(args.channels), layers: Number(args.layers), classes: 10, seed: 1 })
  : train.createNb201Supernet({ channels: Number(args.channels), cells: Number(args.cells), classes: 10, seed: 1 });
const optimizer = train.createSgd({ momentum: 0.9, weightDecay: darts ? 3e-4 : 5e-4 });
const x = tf.randomNormal([batch, 32, 32, 3], 0, 1, 'float32', 1);
const y = tf.tensor1d(
  Array.from({ length: batch }, () => rng.int(10)),
  'int32',
);
const DARTS_OPS = ['none', 'max_pool_3x3', 'avg_pool_3x3', 'skip_connect', 'sep_conv_3x3', 'sep_conv_5x5', 'dil_conv_3x3', 'dil_conv_5x5'];
const dartsCell = () => Array.from({ length: 8 }, (_, q) => [rng.pick(DARTS_OPS), rng.int(Math.floor(q / 2) + 2)]);
const dartsConvs = Array.from({ length: 8 }, (_, q) => [q % 2 ? 'dil_conv_5x5' : 'sep_conv_3x3', q % 2]);
const randomArch = darts ? () => ({ normal: dartsCell(), reduce: dartsCell() }) : () => Array.from({ length: 6 }, () => rng.pick(train.NB201_OPS));
const heaviest = darts ? { normal: dartsConvs, reduce: dartsConvs } : Array(6).fill('nor_conv_3x3');
train.trainStep({ net, arch: heaviest, x, y, optimizer, lr: 0.01 }); // momentum buffers
byKernel.clear();
savedBy.clear();
total = 0;
const perStep = [];
for (let i = 0; i < steps; i++) {
  const before = total;
  train.trainStep({ net, arch: randomArch(), x, y, optimizer, lr: 0.01 });
  perStep.push(total - before);
}
let before = total;
train.trainStep({ net, arch: heaviest, x, y, optimizer, lr: 0.01 });
const allConv3x3 = total - before;
const perStepOf = (map) => Object.fromEntries([...map].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, +(v / (steps + 1)).toFixed(1)]));
const mean = perStep.reduce((a, b) => a + b, 0) / steps;
const counted = { byKernel: perStepOf(byKernel), savedTensorsBy: perStepOf(savedBy) };
// the clip + SGD update alone: fused kernel vs composite ops, on one path's gradients
const variables = [...net.variablesFor(heaviest).values()];
const gradsByName = tf.tidy(() => tf.variableGrads(() => train.softmaxCrossEntropy(net.forward(heaviest, x, { training: true }), y), variables).grads);
const nameToKey = new Map([...net.allVariables()].map(([key, v]) => [v.name, key]));
const grads = Object.fromEntries(Object.entries(gradsByName).map(([name, g]) => [nameToKey.get(name), g]));
const updaters = { fused: train.createSgd(), composite: train.createSgd({ fused: false }) };
const updateMs = { fused: [], composite: [] };
for (let r = 0; r < 21; r++) {
  for (const kind of ['fused', 'composite']) {
    const t0 = performance.now();
    tf.dispose(updaters[kind].clipAndApplyGradients(grads, net.allVariables(), 1e-4, 5));
    if (r > 0) updateMs[kind].push(performance.now() - t0);
  }
}
const median = (a) => [...a].sort((p, q) => p - q)[a.length >> 1];
tf.dispose(Object.values(grads));
updaters.fused.dispose();
updaters.composite.dispose();
console.log(
  JSON.stringify({
    bench: 'native-kernel-calls',
    config: darts ? `darts-C${args.channels}L${args.layers}` : `nb201-C${args.channels}N${args.cells}`,
    steps,
    seed: Number(args.seed),
    perStep: { mean: +mean.toFixed(1), min: Math.min(...perStep), max: Math.max(...perStep), allConv3x3 },
    ...counted,
    clipAndUpdateMs: {
      variables: Object.keys(grads).length,
      parameters: Object.values(grads).reduce((a, g) => a + g.size, 0),
      fused: +median(updateMs.fused).toFixed(2),
      composite: +median(updateMs.composite).toFixed(2),
    },
  }),
);
tf.dispose([x, y]);
optimizer.dispose();
net.dispose();
