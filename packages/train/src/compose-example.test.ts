import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

// The README's "compose your own pipeline" example must keep running against the built packages.
describe('examples/compose.mjs', () => {
  it('registers a user space and sampler and runs our loss, schedule, selection and S-KdT around them', () => {
    const script = fileURLToPath(new URL('../../../examples/compose.mjs', import.meta.url));
    const out = execFileSync(process.execPath, [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(out).toMatch(/^landmarks: (\d-){7}\d(, (\d-){7}\d){5}$/m);
    expect(out).toMatch(/lambda at epoch 30 = 5\.2\d\d/);
    const skdt = Number(/S-KdT of the noisy estimate on 200 architectures: (-?[\d.]+)/.exec(out)?.[1]);
    expect(skdt).toBeGreaterThan(0.5);
    expect(skdt).toBeLessThanOrEqual(1);
  }, 60_000);
});
