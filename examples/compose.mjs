// Compose a landmark-regularized super-net training from lmreg's public parts, no CLI:
// your own sampler (a biased path sampler) and your own lambda schedule registered next to ours,
// an NB201 super-net from @lmreg/train trained with @lmreg/core's landmark term on the embedded
// Fashion-MNIST subset, and the held-out cells ranked with @lmreg/metrics' S-KdT.
// Run after `npm run build`:  node examples/compose.mjs
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@lmreg/common';
import { createLambdaSchedule, createLandmarkTerm, ensureGradients, registerSchedule, selectDiverseLandmarks, selectUniformLandmarks } from '@lmreg/core';
import { sparseKendallTau } from '@lmreg/metrics';
import { getSampler, registerSampler } from '@lmreg/samplers';
import { getSpace } from '@lmreg/spaces';
import {
  createBatcher,
  createSgd,
  cosineLr,
  evaluate,
  getNetworkBuilder,
  loadDataset,
  makeEvalBatches,
  disposeBatches,
  splitTrain,
  takeSubset,
  trainSupernet,
} from '@lmreg/train';

await tf.setBackend('cpu');
ensureGradients();
const space = getSpace('nb201');

// 1. A user sampler: single paths biased towards convolutions (each edge picks a 3x3 conv half the time).
registerSampler({
  name: 'conv-biased',
  description: 'single paths, each edge nor_conv_3x3 with probability 1/2',
  spaces: ['nb201'],
  create: () => {
    let seed = 0;
    const ops = ['none', 'skip_connect', 'nor_conv_1x1', 'avg_pool_3x3'];
    return {
      name: 'conv-biased',
      init({ rng }) {
        seed = rng.int(2 ** 31);
      },
      pathForBatch(step) {
        const r = createRng(seed + step);
        return Array.from({ length: 6 }, () => (r.float() < 0.5 ? 'nor_conv_3x3' : ops[r.int(4)]));
      },
      async propose(evaluateFn, budget = 10) {
        const r = createRng(seed);
        const seen = [];
        for (let i = 0; i < budget; i++) {
          const arch = space.sample(r);
          seen.push({ arch, fitness: await evaluateFn(arch) });
        }
        return seen.sort((a, b) => b.fitness - a.fitness);
      },
      state: () => ({
        format: 'lmreg-sampler-state',
        version: 1,
        sampler: 'conv-biased',
        space: 'nb201',
        options: {},
        pathSeed: seed,
        searchRng: [],
        evaluated: [],
      }),
      loadState: (s) => {
        seed = s.pathSeed;
      },
    };
  },
});

// 2. A user lambda schedule: off for the first half, then full strength.
registerSchedule({ name: 'second-half', factor: (progress) => (progress < 0.5 ? 0 : 1) });

// 3. Data: the embedded Fashion-MNIST subset at 8x8, one half trains the super-net, the other feeds the landmark term.
const data = await loadDataset('fashion-mnist-mini', { resize: { height: 8, width: 8 } });
const halves = splitTrain(takeSubset(data.train, 512, 0), { fraction: 0.5, seed: 0 });
const evalBatches = makeEvalBatches(takeSubset(data.test, 256, 0), 256);

// 4. Landmarks by Algorithm 1 and held-out cells; their "stand-alone" accuracy here is a stand-in
//    (the parameter count) to keep the example fast: use trainStandalone for real ground truth.
const rng = createRng(0);
const landmarkArchs = selectDiverseLandmarks(space, 5, rng, { tau: 3 });
const heldOut = selectUniformLandmarks(space, 6, rng, { exclude: landmarkArchs.map((a) => space.key(a)) });
const standIn = (a) => a.filter((op) => op.startsWith('nor_conv')).length + a.filter((op) => op === 'skip_connect').length / 10;

// 5. The super-net, trained with our landmark term on the user's sampler and schedule.
const builder = getNetworkBuilder('nb201');
const network = builder.createSupernet({ channels: 4, cells: 1, classes: 10, inputChannels: 1, seed: 0 });
const sampler = getSampler('conv-biased');
sampler.init({ space, rng: createRng(1) });
const train = createBatcher(halves.supernet, { batchSize: 32, seed: 0, dropLast: true });
const epochs = 2;
const schedule = createLambdaSchedule({ schedule: 'second-half', lambdaMax: 5, totalEpochs: epochs, stepsPerEpoch: train.batchesPerEpoch });
const term = createLandmarkTerm({ space, landmarks: landmarkArchs.map((a) => ({ architecture: a, metric: standIn(a) })), schedule, rng: createRng(2) });
const optimizer = createSgd({ momentum: 0.9, weightDecay: 5e-4 });
const history = await trainSupernet({
  network,
  sampler,
  train,
  optimizer,
  epochs,
  landmarks: { term, batches: createBatcher(halves.ranking, { batchSize: 32, seed: 1, dropLast: true }) },
  lr: (epoch, step) => cosineLr({ epochs, stepsPerEpoch: train.batchesPerEpoch, lrMax: 0.05, lrMin: 0.001 }, epoch, step),
});
for (const e of history) console.log(`epoch ${e.epoch}: loss ${e.loss.toFixed(3)}, landmark term ${e.rankingLoss.toFixed(4)}, lambda ${e.lambda}`);

// 6. Rank the held-out cells by super-net accuracy and compare with their (stand-in) ground truth.
const accuracy = heldOut.map((a) => evaluate(network, a, evalBatches).accuracy);
console.log(`super-net accuracy of ${heldOut.length} held-out cells: ${accuracy.map((a) => a.toFixed(3)).join(' ')}`);
console.log(`S-KdT against the stand-in ground truth: ${sparseKendallTau(accuracy, heldOut.map(standIn), { threshold: 1e-3 }).toFixed(3)}`);
disposeBatches(evalBatches);
optimizer.dispose();
network.dispose();
console.log(`tensors left: ${tf.memory().numTensors}`);
