// Checks the native `tensorflow` backend: with @tensorflow/tfjs-node-gpu (or @tensorflow/tfjs-node)
// installed, selects it through lmreg's selectBackend, runs one SGD training step and one
// evaluation of a small conv net (conv-BN-ReLU, avg pool, strided conv, dense; batch 32 of
// 3x32x32) and prints one JSON line saying which backend and device ran it. Exits with code 2 and a
// message on stderr when neither package is installed or libtensorflow does not load.
//
// A GPU user runs (Linux x86-64, NVIDIA driver + the CUDA/cuDNN versions tfjs-node-gpu's README
// lists; the install downloads libtensorflow):
//   npm install --no-save @tensorflow/tfjs-node-gpu
//   npm run build
//   node bench/gpu-check.mjs
// TensorFlow also logs "Created device /job:localhost/.../device:GPU:0" on stderr when it uses a GPU.
// GPU_CHECK_BACKEND=wasm (or cpu, auto) runs the same step on another backend: a dry run of this script.
import * as tf from '@tensorflow/tfjs-core';
import { ensureGradients } from '@lmreg/core';

import { loadTrain } from './load-train.mjs';

const train = await loadTrain();
let selected;
try {
  selected = await train.selectBackend(process.env.GPU_CHECK_BACKEND ?? 'tensorflow', { log: (line) => process.stderr.write(`${line}\n`) });
} catch (error) {
  if (error?.code !== 'LMREG_BACKEND_UNAVAILABLE') throw error;
  process.stderr.write(`gpu-check: ${error.message}\n`);
  console.log(JSON.stringify({ bench: 'gpu-check', ok: false, reason: error.message.split('. ')[0] }));
  process.exit(2);
}
ensureGradients();

const backend = tf.backend();
const seed = 1;
const batch = 32;
const classes = 10;
const rand = (shape, scale) => tf.variable(tf.mul(tf.randomNormal(shape, 0, 1, 'float32', seed), scale));
const params = {
  conv1: rand([3, 3, 3, 16], 0.2),
  gamma: tf.variable(tf.ones([16])),
  beta: tf.variable(tf.zeros([16])),
  conv2: rand([3, 3, 16, 32], 0.1),
  dense: rand([32 * 16 * 16, classes], 0.01),
  bias: tf.variable(tf.zeros([classes])),
};
const images = tf.randomNormal([batch, 32, 32, 3], 0, 1, 'float32', seed + 1);
const labels = tf.oneHot(
  tf.tensor1d(
    Array.from({ length: batch }, (_, i) => i % classes),
    'int32',
  ),
  classes,
);

function logits(x) {
  let h = tf.conv2d(x, params.conv1, 1, 'same');
  const { mean, variance } = tf.moments(h, [0, 1, 2]);
  h = tf.relu(tf.batchNorm(h, mean, variance, params.beta, params.gamma, 1e-5));
  h = tf.avgPool(h, 3, 1, 'same');
  h = tf.relu(tf.conv2d(h, params.conv2, 2, 'same'));
  return tf.add(tf.matMul(tf.reshape(h, [x.shape[0], -1]), params.dense), params.bias);
}

const optimizer = tf.train.sgd(0.05);
const stepStart = performance.now();
const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(labels, logits(images)), true, Object.values(params));
const lossValue = (await loss.data())[0];
const stepMs = performance.now() - stepStart;
loss.dispose();

const evalStart = performance.now();
const accuracy = tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(logits(images), 1), tf.argMax(labels, 1)), 'float32')));
const accuracyValue = (await accuracy.data())[0];
const evalMs = performance.now() - evalStart;
accuracy.dispose();

console.log(
  JSON.stringify({
    bench: 'gpu-check',
    ok: Number.isFinite(lossValue),
    backend: tf.getBackend(),
    reason: selected.reason,
    isGPUPackage: backend.isGPUPackage ?? null,
    isUsingGpuDevice: backend.isUsingGpuDevice ?? null,
    tfjsCore: tf.version_core,
    trainStep: { batch, loss: lossValue, ms: Math.round(stepMs) },
    evaluation: { accuracy: accuracyValue, ms: Math.round(evalMs) },
  }),
);
