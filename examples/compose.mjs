// Compose a custom pipeline from lmreg's parts: your own search space and sampler registered next to
// ours, our landmark loss, lambda schedule, landmark selection and S-KdT around them.
// Run after `npm run build`:  node examples/compose.mjs
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { createLambdaSchedule, landmarkRankingLoss, selectDiverseLandmarks } from '@lmreg/core';
import { sparseKendallTau } from '@lmreg/metrics';
import { getSampler, registerSampler } from '@lmreg/samplers';
import { createRng, getSpace, hamming, InvalidArchitectureError, registerSpace } from '@lmreg/spaces';

await tf.setBackend('cpu');

// 1. A user space: a chain of 8 layers, each with a width in {0, 1, 2, 3}.
const widths = {
  name: 'my-chain', size: 4n ** 8n, mutationDistance: 1, encodingLength: 8, encodingBounds: Array(8).fill(4),
  sample: (rng) => Array.from({ length: 8 }, () => rng.int(4)),
  mutate: (a, rng) => { const i = rng.int(8); const b = [...a]; b[i] = (b[i] + 1 + rng.int(3)) % 4; return b; },
  distance: (a, b) => hamming(a, b),
  encode: (a) => [...a],
  decode: (v) => { if (!Array.isArray(v) || v.length !== 8 || v.some((x) => ![0, 1, 2, 3].includes(x))) throw new InvalidArchitectureError('my-chain', 'needs 8 widths in 0..3'); return [...v]; },
  format: (a) => a.join('-'),
  parse: (s) => { const v = String(s).split('-').map(Number); return widths.decode(v); },
  key: (a) => a.join('-'),
};
registerSpace(widths);
const space = getSpace('my-chain');

// 2. A user sampler: greedy hill climbing, registered next to spos/random/gdas.
registerSampler({
  name: 'hill-climb', description: 'mutate the best so far', spaces: 'any',
  create: () => {
    let ctx;
    return {
      name: 'hill-climb',
      init(init) { ctx = init; },
      pathForBatch: () => ctx.space.sample(ctx.rng),
      async propose(evaluate, budget = 50) {
        let best = { arch: ctx.space.sample(ctx.rng), fitness: -Infinity };
        best.fitness = await evaluate(best.arch);
        const seen = [best];
        for (let i = 1; i < budget; i++) {
          const arch = ctx.space.mutate(best.arch, ctx.rng);
          const p = { arch, fitness: await evaluate(arch) };
          seen.push(p);
          if (p.fitness > best.fitness) best = p;
        }
        return seen.sort((a, b) => b.fitness - a.fitness);
      },
      state: () => ({}),
      loadState: () => undefined,
    };
  },
});

// A made-up "true" accuracy and a noisy "super-net" estimate of it.
const truth = (a) => a.reduce((s, w, i) => s + w * (i + 1), 0) / 100;
const noise = createRng(7);
const supernet = (a) => truth(a) + 0.05 * noise.normal();

// 3. Our landmark selection (Algorithm 1) and ranking loss on the user's space.
const rng = createRng(0);
const landmarks = selectDiverseLandmarks(space, 6, rng, { tau: 3 });
const losses = tf.tensor1d(landmarks.map((a) => 1 - supernet(a)));   // super-net losses of the landmarks
const ranking = landmarkRankingLoss(losses, landmarks.map(truth));   // hinge over misordered pairs
const lambda = createLambdaSchedule({ schedule: 'cosine-increasing', lambdaMax: 10, totalEpochs: 50, warmupEpochs: 10 });
console.log(`landmarks: ${landmarks.map((a) => space.format(a)).join(', ')}`);
console.log(`ranking loss ${ranking.dataSync()[0].toFixed(4)}, lambda at epoch 30 = ${lambda.value(30).toFixed(3)}`);
tf.dispose([losses, ranking]);

// 4. The user's sampler searches the user's space; our S-KdT measures the estimate's ranking.
const sampler = getSampler('hill-climb');
sampler.init({ space, rng: createRng(1) });
const found = await sampler.propose(supernet, 60);
const held = Array.from({ length: 200 }, () => space.sample(rng));
console.log(`best found: ${space.format(found[0].arch)} (true ${truth(found[0].arch).toFixed(2)})`);
console.log(`S-KdT of the noisy estimate on 200 architectures: ${sparseKendallTau(held.map(supernet), held.map(truth), { threshold: 0.01 }).toFixed(3)}`);
