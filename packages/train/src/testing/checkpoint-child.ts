/**
 * A child process for atomic-file.test.ts (bundled with esbuild, run by node): saves checkpoints
 * of ~8 MB to FILE in a loop (continuing from the checkpoint there, like --resume), printing each
 * epoch after its save, until it is killed.
 */
import { hasCheckpoint, loadCheckpointWithFallback, saveCheckpoint } from '../run/checkpoint.js';

const file = process.argv[2] ?? '';
const w = new Float32Array(2_000_000);
const start = hasCheckpoint(file) ? (loadCheckpointWithFallback(file).data.meta as { epoch: number }).epoch + 1 : 0;
for (let epoch = start; ; epoch++) {
  w.fill(epoch);
  saveCheckpoint(file, { meta: { epoch }, arrays: { w } });
  process.stdout.write(`${epoch}\n`);
}
