// Paired statistics of the reproduction (issue 17): the 5-seed main grid and the cost settings.
// For each sampler: S-KdT without / with landmarks in both variants ('binned-tau-b', the default,
// and 'released-code', the authors' code), the paired difference (with - without) over seeds with
// a 95 % bootstrap interval (10,000 resamples of the seeds, seeded) and a two-sided sign test, and
// the ground truth of the architectures the searches return (and its paired gain). For each cheap setting of the landmark
// term: the same paired gain against the seed's SPOS baseline, with its training passes and CPU time.
// Run from the repository root after `npx turbo run build --filter=lmreg...`:
//   node experiments/fmnist/stats.mjs [results|runs] [--json]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// The statistics live in the lmreg package (packages/lmreg/src/stats, tested there) and are the
// same that `lmreg report` shows: skdtVariants, pairedDifference (bootstrap + sign test),
// trainingPassRatio and readCpuSeconds.
import { mean, pairedDifference, readCpuSeconds, sampleStd as std, skdtVariants, trainingPassRatio } from 'lmreg';

const here = path.dirname(fileURLToPath(import.meta.url));
const dir = path.join(here, process.argv.slice(2).find((a) => !a.startsWith('--')) ?? 'results');
const asJson = process.argv.includes('--json');
const read = (name, file) => JSON.parse(fs.readFileSync(path.join(dir, name, file), 'utf8'));
const exists = (name) => fs.existsSync(path.join(dir, name, 'result.json'));

/** S-KdT of a variant in both variants of the metric, recomputed from its held-out accuracies. */
function skdt(result, variant) {
  const v = result.variants.find((x) => x.name === variant);
  if (v === undefined) return undefined;
  const { binned, released } = skdtVariants(
    v.supernetAccuracy,
    result.heldOut.map((h) => h.accuracy),
  );
  return { binned, released, returned: v.search.top[0]?.groundTruth, seconds: v.seconds };
}

function paired(without, withLm) {
  const { mean: m, ci, sign, diffs } = pairedDifference(without, withLm);
  return { mean: m, ci, sign, diffs };
}

const fmt = (x, d = 3) => (x === undefined || Number.isNaN(x) ? '—' : x.toFixed(d));
const ms = (xs) => `${fmt(mean(xs))} ± ${fmt(std(xs))}`;
const out = { main: [], cost: [] };

// ---- 1. the main grid
const seeds = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
for (const sampler of ['spos', 'nao', 'gdas']) {
  const runs = seeds.map((s) => `${sampler}-s${s}`).filter(exists);
  if (runs.length === 0) continue;
  const base = runs.map((r) => skdt(read(r, 'result.json'), 'baseline'));
  const lm = runs.map((r) => skdt(read(r, 'result.json'), 'landmarks'));
  const row = { sampler, seeds: runs.map((r) => Number(r.split('-s')[1])) };
  for (const v of ['binned', 'released']) {
    row[v] = {
      without: base.map((b) => b[v]),
      with: lm.map((l) => l[v]),
      ...paired(
        base.map((b) => b[v]),
        lm.map((l) => l[v]),
      ),
    };
  }
  row.returned = { without: base.map((b) => b.returned), with: lm.map((l) => l.returned) };
  // The returned architectures' ground truth, paired by seed, in points (seeds where both were looked up or trained).
  const both = runs.map((_, i) => [base[i].returned, lm[i].returned]).filter(([w, l]) => w !== undefined && l !== undefined);
  if (both.length > 0)
    row.returnedGain = paired(
      both.map(([w]) => 100 * w),
      both.map(([, l]) => 100 * l),
    );
  out.main.push(row);
}

// ---- 2. the cost settings: gain against spos-s<seed>'s baseline
const passRatio = (config) => trainingPassRatio(config);
const cpuSeconds = (name) => readCpuSeconds(path.join(dir, name));
const settings = [
  { name: 'default (every step, ranking batch 128)', runs: (s) => `spos-s${s}`, cpu: (s) => `cost-default-s${s}` },
  { name: 'every 2nd step', runs: (s) => `cost-every-2-s${s}` },
  { name: 'every 4th step', runs: (s) => (s === 0 ? 'abl-every-4' : `cost-every-4-s${s}`) },
  { name: 'ranking batch 64', runs: (s) => `cost-rankbatch-64-s${s}` },
  { name: 'ranking batch 32', runs: (s) => (s === 0 ? 'abl-rankbatch-32' : `cost-rankbatch-32-s${s}`) },
  { name: 'last half of training only', runs: (s) => `cost-last-half-s${s}` },
];
for (const setting of settings) {
  const pairs = [];
  for (const s of seeds) {
    const name = setting.runs(s);
    if (!exists(name) || !exists(`spos-s${s}`)) continue;
    const b = skdt(read(`spos-s${s}`, 'result.json'), 'baseline');
    const l = skdt(read(name, 'result.json'), 'landmarks');
    // CPU time (user + system) of the process that trained this setting's super-net alone
    // (--no-baseline runs); the default setting's own runs are cost-default-s*, the baseline's cost-none-s*.
    const cpu = cpuSeconds(setting.cpu === undefined ? name : setting.cpu(s));
    const baselineCpu = cpuSeconds(`cost-none-s${s}`);
    pairs.push({ seed: s, gain: l.binned - b.binned, gainReleased: l.released - b.released, passes: passRatio(read(name, 'config.json')), cpu, baselineCpu });
  }
  if (pairs.length === 0) continue;
  const gains = pairs.map((p) => p.gain);
  const cpus = pairs.map((p) => p.cpu).filter((x) => x !== undefined);
  const baseCpus = pairs.map((p) => p.baselineCpu).filter((x) => x !== undefined);
  const cpuRatio = cpus.length && baseCpus.length ? mean(cpus) / mean(baseCpus) : undefined;
  out.cost.push({
    setting: setting.name,
    seeds: pairs.map((p) => p.seed),
    passes: pairs[0].passes,
    ...paired(
      pairs.map(() => 0),
      gains,
    ),
    gainReleased: mean(pairs.map((p) => p.gainReleased)),
    cpuSeconds: cpus.length ? mean(cpus) : undefined,
    baselineCpuSeconds: baseCpus.length ? mean(baseCpus) : undefined,
    cpuRatio,
    cpuRuns: cpus.length,
  });
}

if (asJson) {
  console.log(JSON.stringify(out, null, 1));
} else {
  console.log(
    '| sampler | seeds | S-KdT without | S-KdT with | paired gain (95 % bootstrap CI) | pairs improved, sign-test p | gain, released-code S-KdT (CI) | returned arch. ground truth without / with (%) |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of out.main) {
    const b = r.binned;
    const rc = r.released;
    const baseNote = r.sampler === 'nao' ? ' (= SPOS baseline)' : '';
    const pct = (xs) => fmt(100 * mean(xs.filter((x) => x !== undefined)), 1);
    console.log(
      `| ${r.sampler} | ${r.seeds.length} | ${ms(b.without)}${baseNote} | ${ms(b.with)} | ${fmt(b.mean)} [${fmt(b.ci[0])}, ${fmt(b.ci[1])}] | ${b.sign.positive}/${b.sign.n}, p = ${fmt(b.sign.p, 4)} | ${fmt(rc.mean)} [${fmt(rc.ci[0])}, ${fmt(rc.ci[1])}] | ${pct(r.returned.without)} / ${pct(r.returned.with)} |`,
    );
  }
  console.log(
    '\n| sampler | returned architecture: ground-truth gain with - without landmarks, points (95 % bootstrap CI) | pairs improved (ties left out), sign-test p |',
  );
  console.log('|---|---|---|');
  for (const r of out.main.filter((x) => x.returnedGain !== undefined)) {
    const g = r.returnedGain;
    console.log(`| ${r.sampler} | ${fmt(g.mean, 2)} [${fmt(g.ci[0], 2)}, ${fmt(g.ci[1], 2)}] | ${g.sign.positive}/${g.sign.n}, p = ${fmt(g.sign.p, 4)} |`);
  }
  console.log(
    "\n| landmark term setting (SPOS) | seeds | training passes vs baseline | S-KdT gain vs the seed's baseline (95 % CI) | pairs improved, sign-test p | CPU s per super-net run, with / without the term (ratio) |",
  );
  console.log('|---|---|---|---|---|---|');
  for (const c of out.cost) {
    console.log(
      `| ${c.setting} | ${c.seeds.length} | ${fmt(c.passes, 2)} | ${fmt(c.mean)} [${fmt(c.ci[0])}, ${fmt(c.ci[1])}] | ${c.sign.positive}/${c.sign.n}, p = ${fmt(c.sign.p, 4)} | ${fmt(c.cpuSeconds, 0)} / ${fmt(c.baselineCpuSeconds, 0)} (${fmt(c.cpuRatio, 2)}) |`,
    );
  }
}
