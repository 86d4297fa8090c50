// The same NB201 super-net training step (and evaluation forward) in lmreg on `--backend native`
// (tfjs cpu + @lmreg/tfjs-native's oneDNN kernels) and in PyTorch (bench/torch-nb201.py, Debian's
// python3-torch run with /usr/bin/python3), alternating in one run: for every config, R rounds of
// [k lmreg train steps, k PyTorch train steps, k lmreg eval batches, k PyTorch eval batches], both
// on the same sequence of uniformly random paths, the same batch size and the same thread count.
// Prints img/s (median over rounds), the ratio lmreg / PyTorch, and the fraction of machine peak.
//
// FLOPs: 2 * multiply-adds of the convolutions and the classifier on the path actually computed
// (live edges only). A training step counts 3x the forward (forward, backward-data, backward-
// weights) except the stem's backward-data, which neither framework computes. Batch norm, ReLU,
// pooling and the other element-wise work are not counted (memory-bound; a few % of the FLOPs).
// Peak: BENCH_PEAK_GFLOPS (default 190 = 2 cores x 32 FP32 FLOP/cycle x ~3 GHz); with --threads 1
// the fraction is also given against one core's half (95 GFLOP/s).
//
// Needs: npm run build:native --workspace packages/tfjs-native; npx turbo run build --filter=@lmreg/train...
// Run:  node bench/native-vs-torch.mjs --threads 1                     (all four configs)
//       node bench/native-vs-torch.mjs --threads 1 --configs C8N1b64 --rounds 3 --steps 3
// Besides wall-clock img/s it reports img per CPU-second of each process (user + system time of
// all its threads), which a machine shared with other jobs disturbs less than wall time.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import os from 'node:os';

import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@lmreg/common';
import { loadTrain } from './load-train.mjs';

const { values: args } = parseArgs({
  options: {
    threads: { type: 'string', default: String(os.availableParallelism?.() ?? os.cpus().length) },
    configs: { type: 'string', default: 'C8N1b64,C8N1b256,C16N5b64,C16N5b256' },
    rounds: { type: 'string', default: '3' },
    steps: { type: 'string', default: '3' },
    backend: { type: 'string', default: 'native' },
    'no-eval': { type: 'boolean', default: false },
  },
});
const threads = Number(args.threads);
const rounds = Number(args.rounds);
const k = Number(args.steps);
const peak = Number(process.env.BENCH_PEAK_GFLOPS ?? 190);
const root = fileURLToPath(new URL('..', import.meta.url));

// BENCH_TRAIN_DIST=/path/to/dist/index.js runs another build of @lmreg/train (e.g. a patched copy).
const train = process.env.BENCH_TRAIN_DIST ? await import(pathToFileURL(process.env.BENCH_TRAIN_DIST).href) : await loadTrain();
const selected = await train.selectBackend(args.backend);
process.stderr.write(`lmreg backend: ${selected.reason}\n`);
if (selected.name === 'native') {
  const native = await import(pathToFileURL(`${root}packages/tfjs-native/dist/index.js`).href);
  native.setNativeThreads(threads);
  process.stderr.write(`oneDNN ${native.nativeVersion()} on ${native.getNativeThreads()} OpenMP thread(s)\n`);
}

// ---- PyTorch child process ----
const child = spawn('/usr/bin/python3', [`${root}bench/torch-nb201.py`, '--serve', '--threads', String(threads)], {
  stdio: ['pipe', 'pipe', 'inherit'],
  env: { ...process.env, OMP_NUM_THREADS: String(threads) },
});
const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
async function torch(command) {
  if (command !== undefined) child.stdin.write(JSON.stringify(command) + '\n');
  const { value, done } = await lines.next();
  if (done) throw new Error('torch-nb201.py exited');
  const out = JSON.parse(value);
  if (out.error !== undefined) throw new Error(out.error);
  return out;
}
const hello = await torch();
process.stderr.write(`PyTorch ${hello.torch} on ${hello.threads} thread(s)\n`);

// ---- FLOPs of one path ----
const EDGES = [[0, 1], [0, 2], [1, 2], [0, 3], [1, 3], [2, 3]];
function liveEdges(ops) {
  const liveNode = [false, false, false, true];
  const live = ops.map(() => false);
  for (let e = 5; e >= 0; e--) {
    const [from, to] = EDGES[e];
    if (ops[e] !== 'none' && liveNode[to]) {
      live[e] = true;
      liveNode[from] = true;
    }
  }
  return live;
}
/** { forward, train } FLOPs of one batch on `ops`. */
function flops(ops, C, N, batch) {
  const conv = (hw, cin, cout, k) => 2 * batch * hw * hw * k * k * cin * cout;
  const live = liveEdges(ops);
  const stem = conv(32, 3, C, 3);
  let rest = 0;
  for (let stage = 1; stage <= 3; stage++) {
    const w = C * 2 ** (stage - 1);
    const hw = 32 / 2 ** (stage - 1);
    if (stage > 1) rest += conv(hw, w / 2, w, 3) + conv(hw, w, w, 3) + conv(hw, w / 2, w, 1);
    for (let e = 0; e < 6; e++) {
      if (!live[e]) continue;
      if (ops[e] === 'nor_conv_3x3') rest += N * conv(hw, w, w, 3);
      if (ops[e] === 'nor_conv_1x1') rest += N * conv(hw, w, w, 1);
    }
  }
  rest += 2 * batch * 4 * C * 10;
  return { forward: stem + rest, train: 2 * stem + 3 * rest };
}

const cpuSeconds = (since) => {
  const c = process.cpuUsage(since);
  return (c.user + c.system) / 1e6;
};
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const results = [];
for (const id of args.configs.split(',')) {
  const m = /^C(\d+)N(\d+)b(\d+)$/.exec(id);
  if (m === null) throw new Error(`bad config ${id} (use e.g. C8N1b64)`);
  const [C, N, batch] = m.slice(1).map(Number);
  const rng = createRng(C * 100 + N);
  const randomArch = () => Array.from({ length: 6 }, () => rng.pick(train.NB201_OPS));
  const net = train.createNb201Supernet({ channels: C, cells: N, classes: 10, seed: 0 });
  const optimizer = train.createSgd({ momentum: 0.9, weightDecay: 5e-4 });
  const x = tf.randomNormal([batch, 32, 32, 3], 0, 1, 'float32', 1);
  const y = tf.tensor1d(Array.from({ length: batch }, () => rng.int(10)), 'int32');
  await torch({ cmd: 'build', channels: C, cells: N, batch });
  const ours = { train: [], eval: [] };
  const theirs = { train: [], eval: [] };
  let flopTrain = 0;
  let flopEval = 0;
  const cpuOurs = { train: 0, eval: 0 };
  const cpuTheirs = { train: 0, eval: 0 };
  let secondsOurs = { train: 0, eval: 0 };
  let secondsTheirs = { train: 0, eval: 0 };
  // warm-up: primitives, momentum buffers, allocator
  const warm = [randomArch(), Array(6).fill('nor_conv_3x3')];
  for (const arch of warm) train.trainStep({ net, arch, x, y, optimizer, lr: 0.025 });
  await torch({ cmd: 'train', archs: warm });
  for (let r = 0; r < rounds; r++) {
    const archs = Array.from({ length: k }, randomArch);
    const evalArchs = Array.from({ length: k }, randomArch);
    let t0 = performance.now();
    let c0 = process.cpuUsage();
    for (const arch of archs) train.trainStep({ net, arch, x, y, optimizer, lr: 0.025 });
    const oursTrain = (performance.now() - t0) / 1000;
    cpuOurs.train += cpuSeconds(c0);
    const torchTrainOut = await torch({ cmd: 'train', archs });
    const torchTrain = torchTrainOut.seconds.reduce((a, b) => a + b, 0);
    cpuTheirs.train += torchTrainOut.cpu;
    ours.train.push((k * batch) / oursTrain);
    theirs.train.push((k * batch) / torchTrain);
    const f = archs.reduce((a, arch) => a + flops(arch, C, N, batch).train, 0);
    flopTrain += f;
    secondsOurs.train += oursTrain;
    secondsTheirs.train += torchTrain;
    if (!args['no-eval']) {
      t0 = performance.now();
      c0 = process.cpuUsage();
      for (const arch of evalArchs) train.evaluate(net, arch, [{ x, y }]);
      const oursEval = (performance.now() - t0) / 1000;
      cpuOurs.eval += cpuSeconds(c0);
      const torchEvalOut = await torch({ cmd: 'eval', archs: evalArchs });
      const torchEval = torchEvalOut.seconds.reduce((a, b) => a + b, 0);
      cpuTheirs.eval += torchEvalOut.cpu;
      ours.eval.push((k * batch) / oursEval);
      theirs.eval.push((k * batch) / torchEval);
      flopEval += evalArchs.reduce((a, arch) => a + flops(arch, C, N, batch).forward, 0);
      secondsOurs.eval += oursEval;
      secondsTheirs.eval += torchEval;
    }
    process.stderr.write(
      `${id} round ${r + 1}/${rounds}: train ${ours.train.at(-1).toFixed(1)} vs ${theirs.train.at(-1).toFixed(1)} img/s` +
        (args['no-eval'] ? '\n' : `, eval ${ours.eval.at(-1).toFixed(1)} vs ${theirs.eval.at(-1).toFixed(1)} img/s\n`),
    );
  }
  const gflops = (flop, s) => (s > 0 ? flop / s / 1e9 : 0);
  const row = { config: id, channels: C, cells: N, batch, threads, rounds, stepsPerRound: k };
  for (const phase of args['no-eval'] ? ['train'] : ['train', 'eval']) {
    const flop = phase === 'train' ? flopTrain : flopEval;
    const a = median(ours[phase]);
    const b = median(theirs[phase]);
    row[phase] = {
      lmregImgPerS: +a.toFixed(1),
      torchImgPerS: +b.toFixed(1),
      ratio: +(a / b).toFixed(3),
      lmregImgPerCpuS: +((rounds * k * batch) / cpuOurs[phase]).toFixed(1),
      torchImgPerCpuS: +((rounds * k * batch) / cpuTheirs[phase]).toFixed(1),
      cpuRatio: +(cpuTheirs[phase] / cpuOurs[phase]).toFixed(3),
      lmregGflops: +gflops(flop, secondsOurs[phase]).toFixed(2),
      torchGflops: +gflops(flop, secondsTheirs[phase]).toFixed(2),
      lmregPeakFraction: +(gflops(flop, secondsOurs[phase]) / peak).toFixed(4),
      torchPeakFraction: +(gflops(flop, secondsTheirs[phase]) / peak).toFixed(4),
    };
  }
  results.push(row);
  process.stderr.write(JSON.stringify(row) + '\n');
  tf.dispose([x, y]);
  optimizer.dispose();
  net.dispose();
}
await torch({ cmd: 'quit' }).catch(() => undefined);
child.stdin.end();
console.log(
  JSON.stringify({
    bench: 'native-vs-torch', backend: selected.name, threads, peakGflops: peak, input: '32x32x3',
    torch: hello.torch, node: process.version, load: os.loadavg().map((v) => +v.toFixed(2)), results,
  }),
);
