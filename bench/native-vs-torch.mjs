// The same NB201 / DARTS super-net training step (and evaluation forward) in lmreg on `--backend native`
// (tfjs cpu + @lmreg/tfjs-native's oneDNN kernels) and in PyTorch (bench/torch-nb201.py and
// bench/torch-darts.py, Debian's python3-torch run with /usr/bin/python3), alternating in one run:
// for every config and thread count, R rounds of
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
// Configs: NB201 `C<channels>N<cells>b<batch>` (e.g. C8N1b64) and DARTS `dartsC<channels>L<layers>b<batch>`
// (dartsC16L5b64: the 8-op super-net, C=16, 5 cells, 32x32, one uniformly random genotype per step).
// kernelCallsPerStep: tfjs kernel calls (every registered cpu kernel is wrapped with a counter)
// per lmreg training step, averaged over the timed steps; forwardBackwardKernelCalls: the same for
// the forward + backward pass alone on one random path (the rest is gradient clipping and the SGD
// update, about 9 kernels per variable on the path). gcShareTrain: V8 garbage-collection time
// (perf_hooks 'gc' entries) over lmreg's training wall time.
//
// Needs: npm run build:native --workspace packages/tfjs-native; npx turbo run build --filter=@lmreg/train...
// Run:  node bench/native-vs-torch.mjs --threads 1,2                   (all configs, 1 and 2 threads)
//       node bench/native-vs-torch.mjs --threads 1 --configs C8N1b64,dartsC16L5b64 --rounds 3 --steps 3
// stdout ends with ONE JSON line: {"configs":[{"name":"nb201-C8N1-b64","threads":1,"trainRatio":...,
// "evalRatio":...,"kernelCallsPerStep":...}, ...], ...}; per-config details go to stderr.
// Besides wall-clock img/s it reports img per CPU-second of each process (user + system time of
// all its threads), which a machine shared with other jobs disturbs less than wall time.
// At 2+ threads on a machine shared with other jobs, run it as `OMP_WAIT_POLICY=passive node ...`:
// the PyTorch child inherits the environment, and with libgomp's default spinning it collapsed
// (NB201 C=8 N=1 train 64 img/s at 2 threads vs 506 at 1, load ~5); lmreg's addon loads with
// passive waiting unless the environment says otherwise.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import os from 'node:os';
import { PerformanceObserver } from 'node:perf_hooks';

import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@lmreg/common';

import { loadTrain } from './load-train.mjs';

const { values: args } = parseArgs({
  options: {
    threads: { type: 'string', default: '1,2' },
    configs: { type: 'string', default: 'C8N1b64,C8N1b256,C16N5b64,C16N5b256,dartsC16L5b64' },
    rounds: { type: 'string', default: '3' },
    steps: { type: 'string', default: '3' },
    backend: { type: 'string', default: 'native' },
    'no-eval': { type: 'boolean', default: false },
  },
});
const threadCounts = args.threads.split(',').map(Number);
const rounds = Number(args.rounds);
const k = Number(args.steps);
const peak = Number(process.env.BENCH_PEAK_GFLOPS ?? 190);
const root = fileURLToPath(new URL('..', import.meta.url));

// BENCH_TRAIN_DIST=/path/to/dist/index.js runs another build of @lmreg/train (e.g. a patched copy).
const train = process.env.BENCH_TRAIN_DIST ? await import(pathToFileURL(process.env.BENCH_TRAIN_DIST).href) : await loadTrain();
const selected = await train.selectBackend(args.backend);
process.stderr.write(`lmreg backend: ${selected.reason}\n`);
const native = selected.name === 'native' ? await import(pathToFileURL(`${root}packages/tfjs-native/dist/index.js`).href) : undefined;
if (native !== undefined) process.stderr.write(`oneDNN ${native.nativeVersion()}\n`);

// ---- kernel calls: every registered kernel of the active backend counts its calls ----
let kernelCalls = 0;
for (const config of tf.getKernelsForBackend(selected.name === 'native' ? 'cpu' : selected.name)) {
  const inner = config.kernelFunc;
  tf.unregisterKernel(config.kernelName, config.backendName);
  tf.registerKernel({ ...config, kernelFunc: (a) => (kernelCalls++, inner(a)) });
}
// ---- garbage collection: 'gc' entries (delivered asynchronously; attributed by start time) ----
const gcEntries = [];
new PerformanceObserver((list) => gcEntries.push(...list.getEntries().map((e) => [e.startTime, e.duration]))).observe({ entryTypes: ['gc'] });
const gcMsBetween = (from, to) => gcEntries.reduce((a, [start, ms]) => (start >= from && start < to ? a + ms : a), 0);

// ---- PyTorch child processes, one per (reference script, thread count) ----
const children = new Map();
async function torchFor(script, threads) {
  const key = `${script}:${threads}`;
  const existing = children.get(key);
  if (existing !== undefined) return existing;
  const child = spawn('/usr/bin/python3', [`${root}bench/${script}`, '--serve', '--threads', String(threads)], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, OMP_NUM_THREADS: String(threads) },
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const call = async (command) => {
    if (command !== undefined) child.stdin.write(JSON.stringify(command) + '\n');
    const { value, done } = await lines.next();
    if (done) throw new Error(`${script} exited`);
    const out = JSON.parse(value);
    if (out.error !== undefined) throw new Error(out.error);
    return out;
  };
  const hello = await call();
  process.stderr.write(`PyTorch ${hello.torch} (${script}) on ${hello.threads} thread(s)\n`);
  const entry = { child, call, hello };
  children.set(key, entry);
  return entry;
}

// ---- FLOPs of one path ----
const EDGES = [
  [0, 1],
  [0, 2],
  [1, 2],
  [0, 3],
  [1, 3],
  [2, 3],
];
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

const DARTS_OPS = ['none', 'max_pool_3x3', 'avg_pool_3x3', 'skip_connect', 'sep_conv_3x3', 'sep_conv_5x5', 'dil_conv_3x3', 'dil_conv_5x5'];

/** What one config trains: network, PyTorch reference, path sampler, FLOPs (NB201 only). */
function workload(id) {
  let m = /^C(\d+)N(\d+)b(\d+)$/.exec(id);
  if (m !== null) {
    const [C, N, batch] = m.slice(1).map(Number);
    return {
      name: `nb201-C${C}N${N}-b${batch}`,
      script: 'torch-nb201.py',
      batch,
      seed: C * 100 + N,
      weightDecay: 5e-4,
      build: { cmd: 'build', channels: C, cells: N, batch },
      createNet: () => train.createNb201Supernet({ channels: C, cells: N, classes: 10, seed: 0 }),
      randomArch: (rng) => Array.from({ length: 6 }, () => rng.pick(train.NB201_OPS)),
      warmArch: Array(6).fill('nor_conv_3x3'),
      flops: (arch) => flops(arch, C, N, batch),
    };
  }
  m = /^dartsC(\d+)L(\d+)b(\d+)$/.exec(id);
  if (m !== null) {
    const [C, L, batch] = m.slice(1).map(Number);
    const cell = (rng) => Array.from({ length: 8 }, (_, q) => [rng.pick(DARTS_OPS), rng.int(Math.floor(q / 2) + 2)]);
    const convs = Array.from({ length: 8 }, (_, q) => [q % 2 ? 'dil_conv_5x5' : 'sep_conv_3x3', q % 2]);
    return {
      name: `darts-C${C}L${L}-b${batch}`,
      script: 'torch-darts.py',
      batch,
      seed: 1000 + C * 10 + L,
      weightDecay: 3e-4,
      build: { cmd: 'build', channels: C, layers: L, batch },
      createNet: () => train.createDartsSupernet({ channels: C, layers: L, classes: 10, seed: 0 }),
      randomArch: (rng) => ({ normal: cell(rng), reduce: cell(rng) }),
      warmArch: { normal: convs, reduce: convs },
      flops: undefined,
    };
  }
  throw new Error(`bad config ${id} (use e.g. C8N1b64 or dartsC16L5b64)`);
}

const results = [];
const summary = [];
for (const threads of threadCounts) {
  native?.setNativeThreads(threads);
  for (const id of args.configs.split(',')) {
    const w = workload(id);
    const { call: torch } = await torchFor(w.script, threads);
    const rng = createRng(w.seed);
    const randomArch = () => w.randomArch(rng);
    const net = w.createNet();
    const optimizer = train.createSgd({ momentum: 0.9, weightDecay: w.weightDecay });
    const batch = w.batch;
    const x = tf.randomNormal([batch, 32, 32, 3], 0, 1, 'float32', 1);
    const y = tf.tensor1d(
      Array.from({ length: batch }, () => rng.int(10)),
      'int32',
    );
    await torch(w.build);
    const ours = { train: [], eval: [] };
    const theirs = { train: [], eval: [] };
    let flopTrain = 0;
    let flopEval = 0;
    const cpuOurs = { train: 0, eval: 0 };
    const cpuTheirs = { train: 0, eval: 0 };
    const secondsOurs = { train: 0, eval: 0 };
    const secondsTheirs = { train: 0, eval: 0 };
    let calls = 0;
    let gcTrainMs = 0;
    const trainIntervals = [];
    // warm-up: primitives, momentum buffers, allocator
    const warm = [randomArch(), w.warmArch];
    for (const arch of warm) train.trainStep({ net, arch, x, y, optimizer, lr: 0.025 });
    await torch({ cmd: 'train', archs: warm });
    for (let r = 0; r < rounds; r++) {
      const archs = Array.from({ length: k }, randomArch);
      const evalArchs = Array.from({ length: k }, randomArch);
      let t0 = performance.now();
      let c0 = process.cpuUsage();
      const calls0 = kernelCalls;
      for (const arch of archs) train.trainStep({ net, arch, x, y, optimizer, lr: 0.025 });
      calls += kernelCalls - calls0;
      trainIntervals.push([t0, performance.now()]);
      const oursTrain = (performance.now() - t0) / 1000;
      cpuOurs.train += cpuSeconds(c0);
      const torchTrainOut = await torch({ cmd: 'train', archs });
      const torchTrain = torchTrainOut.seconds.reduce((a, b) => a + b, 0);
      cpuTheirs.train += torchTrainOut.cpu;
      ours.train.push((k * batch) / oursTrain);
      theirs.train.push((k * batch) / torchTrain);
      if (w.flops !== undefined) flopTrain += archs.reduce((a, arch) => a + w.flops(arch).train, 0);
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
        if (w.flops !== undefined) flopEval += evalArchs.reduce((a, arch) => a + w.flops(arch).forward, 0);
        secondsOurs.eval += oursEval;
        secondsTheirs.eval += torchEval;
      }
      process.stderr.write(
        `${w.name} ${threads}t round ${r + 1}/${rounds}: train ${ours.train.at(-1).toFixed(1)} vs ${theirs.train.at(-1).toFixed(1)} img/s` +
          (args['no-eval'] ? '\n' : `, eval ${ours.eval.at(-1).toFixed(1)} vs ${theirs.eval.at(-1).toFixed(1)} img/s\n`),
      );
    }
    // the same count for the forward + backward pass alone (no clip, no SGD update), one random path
    const pool = native?.bufferPoolStats();
    const modelCalls0 = kernelCalls;
    tf.tidy(() => {
      const arch = randomArch();
      const vars = [...net.variablesFor(arch).values()].filter((v) => v.trainable);
      tf.variableGrads(() => train.softmaxCrossEntropy(net.forward(arch, x, { training: true }), y), vars);
    });
    const modelCalls = kernelCalls - modelCalls0;
    await new Promise((resolve) => setImmediate(resolve)); // let the gc observer deliver
    for (const [from, to] of trainIntervals) gcTrainMs += gcMsBetween(from, to);
    const gflops = (flop, s) => (s > 0 && flop > 0 ? flop / s / 1e9 : undefined);
    const row = { config: id, name: w.name, batch, threads, rounds, stepsPerRound: k };
    for (const phase of args['no-eval'] ? ['train'] : ['train', 'eval']) {
      const flop = phase === 'train' ? flopTrain : flopEval;
      const a = median(ours[phase]);
      const b = median(theirs[phase]);
      const g = gflops(flop, secondsOurs[phase]);
      const gt = gflops(flop, secondsTheirs[phase]);
      row[phase] = {
        lmregImgPerS: +a.toFixed(1),
        torchImgPerS: +b.toFixed(1),
        ratio: +(a / b).toFixed(3),
        lmregImgPerCpuS: +((rounds * k * batch) / cpuOurs[phase]).toFixed(1),
        torchImgPerCpuS: +((rounds * k * batch) / cpuTheirs[phase]).toFixed(1),
        cpuRatio: +(cpuTheirs[phase] / cpuOurs[phase]).toFixed(3),
        ...(g === undefined
          ? {}
          : { lmregGflops: +g.toFixed(2), torchGflops: +gt.toFixed(2), lmregPeakFraction: +(g / peak).toFixed(4), torchPeakFraction: +(gt / peak).toFixed(4) }),
      };
    }
    row.kernelCallsPerStep = Math.round(calls / (rounds * k));
    row.forwardBackwardKernelCalls = modelCalls;
    if (pool !== undefined)
      row.bufferPool = { hitRate: +(pool.hits / Math.max(1, pool.hits + pool.misses)).toFixed(3), freeMB: Math.round(pool.freeBytes / 2 ** 20) };
    row.gcShareTrain = +(gcTrainMs / 1000 / secondsOurs.train).toFixed(3);
    results.push(row);
    summary.push({
      name: w.name,
      threads,
      trainRatio: row.train.ratio,
      evalRatio: row.eval?.ratio ?? null,
      kernelCallsPerStep: row.kernelCallsPerStep,
      forwardBackwardKernelCalls: modelCalls,
      trainImgPerS: [row.train.lmregImgPerS, row.train.torchImgPerS],
      evalImgPerS: row.eval === undefined ? null : [row.eval.lmregImgPerS, row.eval.torchImgPerS],
      gcShareTrain: row.gcShareTrain,
    });
    process.stderr.write(JSON.stringify(row) + '\n');
    tf.dispose([x, y]);
    optimizer.dispose();
    net.dispose();
  }
}
for (const { call, child } of children.values()) {
  await call({ cmd: 'quit' }).catch(() => undefined);
  child.stdin.end();
}
const torchVersion = [...children.values()][0]?.hello.torch;
process.stderr.write(
  JSON.stringify({
    bench: 'native-vs-torch',
    backend: selected.name,
    peakGflops: peak,
    input: '32x32x3',
    torch: torchVersion,
    node: process.version,
    results,
  }) + '\n',
);
console.log(
  JSON.stringify({
    bench: 'native-vs-torch',
    backend: selected.name,
    rounds,
    stepsPerRound: k,
    torch: torchVersion,
    node: process.version,
    load: os.loadavg().map((v) => +v.toFixed(2)),
    configs: summary,
  }),
);
process.exit(0);
