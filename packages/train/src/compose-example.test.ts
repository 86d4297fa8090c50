import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

// The README's "compose your own pipeline" examples must keep running against the built packages.
describe('examples/compose.mjs', () => {
  it('trains an NB201 super-net with a user sampler, a user schedule and the landmark term, public imports only', () => {
    const script = fileURLToPath(new URL('../../../examples/compose.mjs', import.meta.url));
    const out = execFileSync(process.execPath, [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const epochs = [...out.matchAll(/^epoch (\d): loss ([\d.]+), landmark term ([\d.]+), lambda ([\d.]+)$/gm)];
    expect(epochs.map((m) => Number(m[1]))).toEqual([0, 1]);
    for (const m of epochs) expect(Number(m[2])).toBeGreaterThan(0);
    // The user's 'second-half' schedule: no landmark term in the first half of training, then lambda 5.
    expect(Number(epochs[1]?.[3])).toBeGreaterThan(0);
    expect(Number(epochs[1]?.[4])).toBe(5);
    expect(out).toMatch(/super-net accuracy of 6 held-out cells: (0\.\d{3} ){5}0\.\d{3}/);
    const skdt = Number(/S-KdT against the stand-in ground truth: (-?[\d.]+)/.exec(out)?.[1]);
    expect(skdt).toBeGreaterThanOrEqual(-1);
    expect(skdt).toBeLessThanOrEqual(1);
    expect(out).toMatch(/tensors left: 0$/m);
  }, 300_000);
});

describe('examples/rank-table.mjs', () => {
  it('ranks a ground-truth table with @lmreg/spaces and @lmreg/metrics only', () => {
    const script = fileURLToPath(new URL('../../../examples/rank-table.mjs', import.meta.url));
    const table = fileURLToPath(new URL('../../../data/fmnist-nb201/table.csv', import.meta.url));
    const out = execFileSync(process.execPath, [script, table], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(out).toMatch(/^250 architectures, 250 distinct under nb201's key$/m);
    expect(out).toMatch(/^S-KdT between the two training seeds: 0\.597$/m);
    const best = /^best: (\S+) ([\d.]+) %$/m.exec(out);
    expect(best?.[2]).toBe('82.72');
    expect(best?.[1]).toMatch(/^\|[a-z_0-9~|+]+\|$/);
  }, 60_000);
});
