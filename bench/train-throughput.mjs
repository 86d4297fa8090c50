// Images per second of one NB201 super-net training step (a new uniformly random path each step:
// forward + cross-entropy + one gradient + clip 5 + SGD momentum 0.9 / wd 5e-4) and of evaluation
// (forward only, one random path per batch), per available tfjs backend (tensorflow when
// @tensorflow/tfjs-node is installed, wasm with lmreg's training kernels, the pure-JS cpu backend),
// 32x32x3 inputs, batch 64, at C=8 N=1 and C=16 N=5. Printed beside the PyTorch 1.13 CPU figures of
// /work/shared/PERF-NOTES.md (2 threads).
// Each (backend, config) runs one warm-up step, then timed steps until BENCH_STEPS steps or
// BENCH_BUDGET_S seconds, whichever comes first. When the warm-up alone exceeds the budget (cpu at
// C=8 N=1 already takes minutes per step) the warm-up step is the only figure, `capped` is true,
// and the backend's bigger configs are skipped (listed in `skipped` with the reason).
// Needs packages/train/dist (npx turbo run build --filter=@lmreg/train...).
// Run:  node bench/train-throughput.mjs                  (prints one JSON line)
//       BENCH_BACKENDS=wasm BENCH_STEPS=5 BENCH_BUDGET_S=60 node bench/train-throughput.mjs
import { pathToFileURL, fileURLToPath } from 'node:url';

import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@lmreg/common';

const root = fileURLToPath(new URL('..', import.meta.url));
const train = await import(pathToFileURL(`${root}packages/train/dist/index.js`).href);

const batch = 64;
const maxSteps = Number(process.env.BENCH_STEPS ?? 4);
const budgetS = Number(process.env.BENCH_BUDGET_S ?? 45);
const evalBatches = Number(process.env.BENCH_EVAL_BATCHES ?? 3);
const requested = (process.env.BENCH_BACKENDS ?? 'tensorflow,wasm,cpu').split(',');
const pytorch = { C8N1: { train: 1060, eval: 1610 }, C16N5: { train: 140, eval: 231 } };
const configs = [
  { channels: 8, cells: 1 },
  { channels: 16, cells: 5 },
];

const results = [];
const skipped = [];
for (const backend of requested) {
  try {
    await train.selectBackend(backend);
  } catch (error) {
    skipped.push({ backend, reason: String(error.message ?? error).slice(0, 120) });
    continue;
  }
  let overBudget;
  for (const { channels, cells } of configs) {
    const id = `C${channels}N${cells}`;
    if (overBudget !== undefined) {
      // A bigger network after a smaller one already blew the budget (cpu: minutes per step).
      skipped.push({
        backend,
        config: id,
        reason: `not run: one ${overBudget.config} step already took ${overBudget.s.toFixed(0)} s (> BENCH_BUDGET_S=${budgetS})`,
      });
      continue;
    }
    const tensorsStart = tf.memory().numTensors;
    const rng = createRng(channels * 100 + cells);
    const net = train.createNb201Supernet({ channels, cells, classes: 10, inputChannels: 3, seed: 0 });
    const optimizer = train.createSgd({ momentum: 0.9, weightDecay: 5e-4 });
    const x = tf.randomNormal([batch, 32, 32, 3], 0, 1, 'float32', 1);
    const y = tf.tensor1d(
      Array.from({ length: batch }, () => rng.int(10)),
      'int32',
    );
    const randomArch = () => Array.from({ length: 6 }, () => rng.pick(train.NB201_OPS));
    const step = () => train.trainStep({ net, arch: randomArch(), x, y, optimizer, lr: 0.025 });
    let t0 = performance.now();
    step();
    const warmupS = (performance.now() - t0) / 1000;
    const times = [];
    const deadline = performance.now() + budgetS * 1000;
    while (times.length < maxSteps && warmupS < budgetS && performance.now() < deadline) {
      t0 = performance.now();
      step();
      times.push((performance.now() - t0) / 1000);
    }
    const capped = times.length === 0;
    const trainS = capped ? [warmupS] : times;
    const meanTrain = trainS.reduce((a, b) => a + b, 0) / trainS.length;
    // Evaluation: forward only, a new path per batch (first batch is a warm-up).
    const evalTimes = [];
    for (let i = 0; i <= evalBatches && (i === 0 || !capped); i++) {
      t0 = performance.now();
      train.evaluate(net, randomArch(), [{ x, y }]);
      if (i > 0 || capped) evalTimes.push((performance.now() - t0) / 1000);
    }
    const meanEval = evalTimes.reduce((a, b) => a + b, 0) / evalTimes.length;
    const row = {
      backend: tf.getBackend(),
      config: id,
      batch,
      trainStepS: +meanTrain.toFixed(3),
      trainImgPerS: +(batch / meanTrain).toFixed(1),
      trainSteps: trainS.length,
      evalImgPerS: +(batch / meanEval).toFixed(1),
      evalBatches: evalTimes.length,
      warmupS: +warmupS.toFixed(2),
      capped,
      pytorchTrainImgPerS: pytorch[id].train,
      pytorchEvalImgPerS: pytorch[id].eval,
      slowerThanPytorchTrain: +(pytorch[id].train / (batch / meanTrain)).toFixed(1),
    };
    tf.dispose([x, y]);
    optimizer.dispose();
    net.dispose();
    row.tensorsLeftAfterDispose = tf.memory().numTensors - tensorsStart;
    results.push(row);
    if (capped) overBudget = { config: id, s: warmupS };
    process.stderr.write(JSON.stringify(row) + '\n');
  }
}
console.log(
  JSON.stringify({
    bench: 'train-throughput',
    input: '32x32x3',
    batch,
    maxSteps,
    budgetS,
    results,
    skipped,
    note: 'single run on a shared 2-core machine; capped=true means only the warm-up step ran (over budget)',
  }),
);
