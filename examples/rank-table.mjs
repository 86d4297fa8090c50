// Rank a ground-truth table with two packages only: @lmreg/spaces parses and keys the
// architectures, @lmreg/metrics measures how well one training seed ranks them against another.
//   npm install @lmreg/spaces @lmreg/metrics      (today: from the repo's packed tarballs, see the README)
//   node examples/rank-table.mjs data/fmnist-nb201/table.csv
import fs from 'node:fs';

import { getSpace } from '@lmreg/spaces';
import { kendallTau, sparseKendallTau, spearman } from '@lmreg/metrics';

const file = process.argv[2];
if (file === undefined) {
  console.error('usage: node rank-table.mjs TABLE.csv   (a table of `lmreg ground-truth finish`: arch, test, test_s0, test_s1 columns)');
  process.exit(2);
}
const [header, ...lines] = fs.readFileSync(file, 'utf8').trim().split(/\r?\n/);
const columns = header.split(',');
const at = (name) => {
  const i = columns.indexOf(name);
  if (i < 0) throw new Error(`${file} has no '${name}' column (columns: ${columns.join(', ')})`);
  return i;
};
const space = getSpace('nb201');
const rows = lines.map((line) => {
  const cells = line.split(',');
  return { arch: space.parse(cells[at('arch')]), test: Number(cells[at('test')]), s0: Number(cells[at('test_s0')]), s1: Number(cells[at('test_s1')]) };
});
console.log(`${rows.length} architectures, ${new Set(rows.map((r) => space.key(r.arch))).size} distinct under nb201's key`);
const s0 = rows.map((r) => r.s0 / 100);
const s1 = rows.map((r) => r.s1 / 100);
console.log(`S-KdT between the two training seeds: ${sparseKendallTau(s0, s1, { threshold: 1e-3 }).toFixed(3)}`);
console.log(`Kendall tau ${kendallTau(s0, s1).toFixed(3)}, Spearman ${spearman(s0, s1).toFixed(3)}`);
const best = rows.reduce((a, b) => (b.test > a.test ? b : a));
console.log(`best: ${space.format(best.arch)} ${best.test.toFixed(2)} %`);
