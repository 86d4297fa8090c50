// Prints the README's results tables (markdown) from the runs of this grid, with the same
// aggregation as `lmreg report` (readReportData of @lmreg/train). Build first:
//   npx turbo run build --filter=lmreg...
// Run from the repository root: node experiments/fmnist/summarize.mjs [results|runs]
// (default results/: the committed summaries that collect.sh copies out of runs/).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const { readReportData } = await import(path.join(here, '../../packages/train/dist/index.js'));

const runsDir = path.join(here, process.argv[2] ?? 'results');
const done = (name) => fs.existsSync(path.join(runsDir, name, 'result.json'));
const names = fs.readdirSync(runsDir).filter((n) => fs.statSync(path.join(runsDir, n)).isDirectory() && done(n));
const main = names.filter((n) => /^(spos|gdas|nao)-s\d+$/.test(n)).sort();
const ablations = names.filter((n) => n.startsWith('abl-')).sort();

const pct = (x) => (x === null || x === undefined ? '—' : (100 * x).toFixed(1));
const ms = (m) => (m === null ? '—' : m.std === null ? `${m.mean.toFixed(3)}` : `${m.mean.toFixed(3)} ± ${m.std.toFixed(3)}`);

if (main.length > 0) {
  const data = readReportData(main.map((n) => path.join(runsDir, n)));
  const ceiling = data.groups.find((g) => g.noiseCeiling !== null)?.noiseCeiling;
  console.log(`Main grid: ${main.length} runs (${main.join(', ')}); noise ceiling S-KdT ${ceiling?.toFixed(3) ?? '—'}\n`);
  console.log(
    '| sampler | landmarks | runs | S-KdT (mean ± std) | noise ceiling | returned architecture, mean / best ground truth (%) | best rank in the table | hours per super-net |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  for (const g of data.groups) {
    console.log(
      `| ${g.sampler} | ${g.variant === 'landmarks' ? 'with' : 'without'} | ${g.runs.length} | ${ms(g.skdt)} | ${g.noiseCeiling?.toFixed(3) ?? '—'} | ${pct(g.returned?.mean)} / ${pct(g.returned?.best)} | ${g.bestRank ?? '—'} | ${g.variantHours.toFixed(3)} |`,
    );
  }
  console.log('');
}
/**
 * Images passed forward and backward by a landmark super-net relative to its baseline, from the
 * run's config: every step with the term adds 2 * pairs * rankBatch / batchSize, on 1 step in
 * `every`, on the epochs after the warm-up. A cost that does not depend on the machine's load.
 */
function passRatio(dir) {
  const c = JSON.parse(fs.readFileSync(path.join(runsDir, dir, 'config.json'), 'utf8'));
  const total = c.epochs * c.rounds;
  const withTerm = Math.max(0, total - c.warmupEpochs) / total;
  return 1 + (withTerm * 2 * c.ranking.pairs * c.ranking.batchSize) / (c.batchSize * c.ranking.every);
}

if (ablations.length > 0) {
  const base = ['spos-s0'].filter(done);
  const data = readReportData([...base, ...ablations].map((n) => path.join(runsDir, n)));
  console.log(`Ablations (SPOS, seed 0; the first rows are the main grid's seed-0 run):\n`);
  console.log('| setting | landmarks | S-KdT | noise ceiling | returned architecture, ground truth (%) | training passes vs baseline | hours per super-net |');
  console.log('|---|---|---|---|---|---|---|');
  for (const g of data.groups) {
    const ratio = g.variant === 'landmarks' ? passRatio(path.basename(g.runs[0])).toFixed(2) : '1.00';
    console.log(
      `| ${g.setting || 'paper defaults'} | ${g.variant === 'landmarks' ? 'with' : 'without'} | ${ms(g.skdt)} | ${g.noiseCeiling?.toFixed(3) ?? '—'} | ${pct(g.returned?.mean)} | ${ratio} | ${g.variantHours.toFixed(3)} |`,
    );
  }
}
