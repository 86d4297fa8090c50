// Where does the native backend's second thread go? Times the same NB201 / DARTS super-net training
// step (and optionally the evaluation forward) at several OpenMP thread counts, interleaved step by
// step in one process (setNativeThreads between steps, same path for every thread count), under
// several process-wide OpenMP settings ("variants", each a child process with its own environment;
// rounds interleave the variants so machine noise hits them alike). Reports wall ms per step and
// CPU ms per step (user + system of all the process's threads), img/s and img per CPU-second.
//
// Variants (--variants, comma-separated):
//   default    the environment as given
//   passive    OMP_WAIT_POLICY=passive (idle OpenMP threads sleep at once instead of spinning)
//   spin0      GOMP_SPINCOUNT=0 (the same through libgomp's spin count)
//   spin10k    GOMP_SPINCOUNT=10000
//   active     OMP_WAIT_POLICY=active (spin for ever; never use on a shared machine)
//   fresh      no switching: one child per thread count, started with OMP_NUM_THREADS=<t>
//              (what a process started with --threads t does; compares with in-process switching)
//   any other name=VALUE,NAME2=VALUE2 string is taken as an environment (e.g. GOMP_SPINCOUNT=1000)
//
// --check runs the determinism check instead: two networks with the same seed train the same
// paths on the same batch, one at each of the first two thread counts, and the per-step losses and
// gradient norms are compared bit for bit (the oneDNN primitives and the reductions' per-thread
// partial sums depend on the thread count).
//
// Needs: npm run build:native --workspace packages/tfjs-native; npx turbo run build --filter=@lmreg/train...
// Run:   node bench/native-threads.mjs --configs C8N1b64,C16N5b64 --threads 1,2 --variants default,passive --rounds 3 --steps 4
//        node bench/native-threads.mjs --check --configs C8N1b64,dartsC16L5b64 --steps 4
// stdout: ONE JSON line {"bench":"native-threads","load":[...],"results":[{"config":...,"variant":...,"threads":...,...}]}
import { spawn } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    configs: { type: 'string', default: 'C8N1b64' },
    threads: { type: 'string', default: '1,2' },
    variants: { type: 'string', default: 'default,passive' },
    rounds: { type: 'string', default: '3' },
    steps: { type: 'string', default: '4' },
    eval: { type: 'boolean', default: false },
    check: { type: 'boolean', default: false },
    child: { type: 'string' },
  },
});
const root = fileURLToPath(new URL('..', import.meta.url));
const threadCounts = args.threads.split(',').map(Number);
const steps = Number(args.steps);

const ENVIRONMENTS = {
  default: {},
  passive: { OMP_WAIT_POLICY: 'passive' },
  spin0: { GOMP_SPINCOUNT: '0' },
  spin10k: { GOMP_SPINCOUNT: '10000' },
  active: { OMP_WAIT_POLICY: 'active' },
};
function environmentOf(variant) {
  if (variant in ENVIRONMENTS) return ENVIRONMENTS[variant];
  if (variant.includes('=')) return Object.fromEntries(variant.split('+').map((kv) => kv.split('=')));
  throw new Error(`unknown variant ${variant}`);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

if (args.child !== undefined) {
  await runChild(JSON.parse(args.child));
  process.exit(0);
}

// ---- parent: spawn the children, interleaved by round ----
function runChildProcess(task, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--child', JSON.stringify(task)], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, ...env },
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1))) : reject(new Error(`child exited ${code}`))));
  });
}

const loadAtStart = os.loadavg().map((v) => +v.toFixed(2));
if (args.check) {
  const results = [];
  for (const config of args.configs.split(',')) {
    const r = await runChildProcess({ mode: 'check', config, threads: threadCounts.slice(0, 2), steps }, {});
    process.stderr.write(`${config}: ${JSON.stringify(r)}\n`);
    results.push({ config, ...r });
  }
  console.log(JSON.stringify({ bench: 'native-threads', mode: 'check', load: [loadAtStart, os.loadavg().map((v) => +v.toFixed(2))], results }));
  process.exit(0);
}

const variants = args.variants.split(',');
const samples = new Map(); // key config|variant|threads -> { wall: [], cpu: [], evalWall: [], evalCpu: [] }
const sample = (key) => {
  if (!samples.has(key)) samples.set(key, { wall: [], cpu: [], evalWall: [], evalCpu: [], batch: 0 });
  return samples.get(key);
};
for (const config of args.configs.split(',')) {
  for (let r = 0; r < Number(args.rounds); r++) {
    for (const variant of variants) {
      const jobs = variant === 'fresh' ? threadCounts.map((t) => [[t], { OMP_NUM_THREADS: String(t) }]) : [[threadCounts, environmentOf(variant)]];
      for (const [threads, env] of jobs) {
        const out = await runChildProcess({ mode: 'time', config, threads, steps, eval: args.eval, seed: r }, env);
        for (const [t, s] of Object.entries(out.perThreads)) {
          const acc = sample(`${config}|${variant}|${t}`);
          acc.batch = out.batch;
          acc.wall.push(...s.wall);
          acc.cpu.push(...s.cpu);
          acc.evalWall.push(...s.evalWall);
          acc.evalCpu.push(...s.evalCpu);
        }
        process.stderr.write(
          `${config} ${variant} round ${r + 1}: ` +
            Object.entries(out.perThreads)
              .map(([t, s]) => `${t}t ${median(s.wall).toFixed(1)} ms wall / ${median(s.cpu).toFixed(1)} ms CPU`)
              .join(', ') +
            ` (load ${os.loadavg()[0].toFixed(2)})\n`,
        );
      }
    }
  }
}
const results = [];
for (const [key, s] of samples) {
  const [config, variant, threads] = key.split('|');
  const row = {
    config,
    variant,
    threads: Number(threads),
    steps: s.wall.length,
    trainMsPerStep: +median(s.wall).toFixed(1),
    trainCpuMsPerStep: +median(s.cpu).toFixed(1),
    trainImgPerS: +((1000 * s.batch) / median(s.wall)).toFixed(1),
    trainImgPerCpuS: +((1000 * s.batch) / median(s.cpu)).toFixed(1),
  };
  if (s.evalWall.length > 0) {
    row.evalImgPerS = +((1000 * s.batch) / median(s.evalWall)).toFixed(1);
    row.evalImgPerCpuS = +((1000 * s.batch) / median(s.evalCpu)).toFixed(1);
  }
  results.push(row);
  process.stderr.write(`${JSON.stringify(row)}\n`);
}
console.log(JSON.stringify({ bench: 'native-threads', load: [loadAtStart, os.loadavg().map((v) => +v.toFixed(2))], cpus: os.cpus().length, results }));

// ---- child: one process, the steps interleaved over the thread counts ----
async function runChild(task) {
  const tf = await import('@tensorflow/tfjs-core');
  const { createRng } = await import('@lmreg/common');
  const train = await import(pathToFileURL(`${root}packages/train/dist/index.js`).href);
  const native = await import(pathToFileURL(`${root}packages/tfjs-native/dist/index.js`).href);
  const selected = await train.selectBackend('native', task.threads.length === 1 ? { threads: task.threads[0] } : {});
  if (selected.name !== 'native') throw new Error(`native backend did not load: ${selected.reason}`);
  const w = workload(task.config, train);
  const rng = createRng(w.seed + 7919 * (task.seed ?? 0));
  const x = tf.randomNormal([w.batch, 32, 32, 3], 0, 1, 'float32', 1);
  const y = tf.tensor1d(
    Array.from({ length: w.batch }, () => rng.int(10)),
    'int32',
  );
  const archs = Array.from({ length: task.steps }, () => w.randomArch(rng));

  if (task.mode === 'check') {
    const runs = [];
    for (const t of task.threads) {
      native.setNativeThreads(t);
      const net = w.createNet();
      const optimizer = train.createSgd({ momentum: 0.9, weightDecay: w.weightDecay });
      const trace = archs.map((arch) => train.trainStep({ net, arch, x, y, optimizer, lr: 0.025 }));
      const logits = tf.tidy(() => net.forward(archs[0], x, { training: false }).dataSync());
      runs.push({ threads: t, trace, logits });
      optimizer.dispose();
      net.dispose();
    }
    const [a, b] = runs;
    const rel = (p, q) => Math.abs(p - q) / Math.max(Math.abs(p), 1e-30);
    let maxLogit = 0;
    for (let i = 0; i < a.logits.length; i++) maxLogit = Math.max(maxLogit, Math.abs(a.logits[i] - b.logits[i]));
    console.log(
      JSON.stringify({
        threads: task.threads,
        losses: runs.map((r) => r.trace.map((s) => s.loss)),
        identicalLosses: a.trace.every((s, i) => s.loss === b.trace[i].loss),
        identicalGradNorms: a.trace.every((s, i) => s.gradNorm === b.trace[i].gradNorm),
        maxRelLossDiff: Math.max(...a.trace.map((s, i) => rel(s.loss, b.trace[i].loss))),
        maxRelGradNormDiff: Math.max(...a.trace.map((s, i) => rel(s.gradNorm, b.trace[i].gradNorm))),
        maxAbsLogitDiffAfter: maxLogit,
      }),
    );
    return;
  }

  const net = w.createNet();
  const optimizer = train.createSgd({ momentum: 0.9, weightDecay: w.weightDecay });
  const step = (arch) => train.trainStep({ net, arch, x, y, optimizer, lr: 0.025 });
  // warm-up at every thread count: primitives (per thread count), momentum buffers, pool
  for (const t of task.threads) {
    native.setNativeThreads(t);
    step(w.warmArch);
    step(w.randomArch(rng));
    if (task.eval) train.evaluate(net, w.warmArch, [{ x, y }]);
  }
  const perThreads = Object.fromEntries(task.threads.map((t) => [t, { wall: [], cpu: [], evalWall: [], evalCpu: [] }]));
  for (let i = 0; i < archs.length; i++) {
    // alternate which thread count goes first, so neither always follows the other
    const order = i % 2 === 0 ? task.threads : [...task.threads].reverse();
    for (const t of order) {
      native.setNativeThreads(t);
      let c0 = process.cpuUsage();
      let t0 = performance.now();
      step(archs[i]);
      perThreads[t].wall.push(performance.now() - t0);
      let c = process.cpuUsage(c0);
      perThreads[t].cpu.push((c.user + c.system) / 1000);
      if (task.eval) {
        c0 = process.cpuUsage();
        t0 = performance.now();
        train.evaluate(net, archs[i], [{ x, y }]);
        perThreads[t].evalWall.push(performance.now() - t0);
        c = process.cpuUsage(c0);
        perThreads[t].evalCpu.push((c.user + c.system) / 1000);
      }
    }
  }
  console.log(JSON.stringify({ batch: w.batch, perThreads }));
}

function workload(id, train) {
  let m = /^C(\d+)N(\d+)b(\d+)$/.exec(id);
  if (m !== null) {
    const [C, N, batch] = m.slice(1).map(Number);
    return {
      batch,
      seed: C * 100 + N,
      weightDecay: 5e-4,
      createNet: () => train.createNb201Supernet({ channels: C, cells: N, classes: 10, seed: 0 }),
      randomArch: (rng) => Array.from({ length: 6 }, () => rng.pick(train.NB201_OPS)),
      warmArch: Array(6).fill('nor_conv_3x3'),
    };
  }
  m = /^dartsC(\d+)L(\d+)b(\d+)$/.exec(id);
  if (m !== null) {
    const [C, L, batch] = m.slice(1).map(Number);
    const ops = ['none', 'max_pool_3x3', 'avg_pool_3x3', 'skip_connect', 'sep_conv_3x3', 'sep_conv_5x5', 'dil_conv_3x3', 'dil_conv_5x5'];
    const cell = (rng) => Array.from({ length: 8 }, (_, q) => [rng.pick(ops), rng.int(Math.floor(q / 2) + 2)]);
    const convs = Array.from({ length: 8 }, (_, q) => [q % 2 ? 'dil_conv_5x5' : 'sep_conv_3x3', q % 2]);
    return {
      batch,
      seed: 1000 + C * 10 + L,
      weightDecay: 3e-4,
      createNet: () => train.createDartsSupernet({ channels: C, layers: L, classes: 10, seed: 0 }),
      randomArch: (rng) => ({ normal: cell(rng), reduce: cell(rng) }),
      warmArch: { normal: convs, reduce: convs },
    };
  }
  throw new Error(`bad config ${id} (use e.g. C8N1b64 or dartsC16L5b64)`);
}
