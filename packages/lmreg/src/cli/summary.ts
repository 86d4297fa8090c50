import type { SearchResult } from '../search/search-result.js';

const pct = (x: number): string => (100 * x).toFixed(2);
const fix = (x: number): string => (Number.isFinite(x) ? x.toFixed(3) : 'n/a');

/** The human-readable table `lmreg search` prints: S-KdT with and without landmarks side by side. */
export function formatSearchSummary(result: SearchResult, outDir: string): string {
  const lines: string[] = [];
  const gt = result.heldOut.map((h) => h.accuracy);
  lines.push('');
  lines.push(`lmreg search: ${result.space} on ${result.dataset}, backend ${result.backend}, ${(result.seconds / 60).toFixed(1)} min`);
  const table = result.groundTruth;
  lines.push(
    `ground truth: ${result.landmarks.length} landmarks + ${result.heldOut.length} held-out architectures ` +
      (table === undefined ? 'trained alone ' : `from the table '${table.name}' (${table.size} architectures) `) +
      `(held-out accuracy ${pct(Math.min(...gt))}..${pct(Math.max(...gt))} %)`,
  );
  if (table !== undefined) {
    lines.push(`noise ceiling (S-KdT between the table's two training seeds): ${fix(table.noiseCeiling.skdt)}`);
  }
  lines.push('');
  lines.push('| super-net             | S-KdT  | Kendall tau | Spearman | best held-out by super-net (ground truth) |');
  lines.push('|-----------------------|--------|-------------|----------|------------------------------------------|');
  for (const v of result.variants) {
    const name = v.name === 'landmarks' ? 'with landmarks' : 'without (baseline)';
    lines.push(
      `| ${name.padEnd(21)} | ${fix(v.skdt).padStart(6)} | ${fix(v.kendallTau).padStart(11)} | ${fix(v.spearman).padStart(8)} | ${`${pct(v.best.groundTruth)} %`.padEnd(40)} |`,
    );
  }
  lines.push('');
  for (const v of result.variants) {
    const top = v.search.top[0];
    if (top === undefined) continue;
    const truth =
      top.groundTruth === undefined
        ? 'not trained alone'
        : top.rank !== undefined && table !== undefined
          ? `${pct(top.groundTruth)} % in the table, rank ${top.rank} of ${table.size}`
          : `${pct(top.groundTruth)} % trained alone`;
    lines.push(
      `search (${v.search.sampler}, ${v.search.evaluated} architectures evaluated on the ${v.name === 'landmarks' ? 'landmark' : 'baseline'} super-net): ` +
        `${top.arch} (super-net ${pct(top.supernetAccuracy)} %, ${truth})`,
    );
  }
  lines.push('');
  lines.push(`S-KdT is measured on the held-out architectures only (never the landmarks). Run folder: ${outDir}`);
  lines.push('');
  return lines.join('\n');
}
