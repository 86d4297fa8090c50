// The built @lmreg/train for the bench scripts (they measure what users run: the dist build).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const dist = fileURLToPath(new URL('../packages/train/dist/index.js', import.meta.url));

/** Imports packages/train/dist; exits with advice when it has not been built. */
export async function loadTrain() {
  if (!existsSync(dist)) {
    process.stderr.write(`bench: ${dist} is missing; run \`npm run build\` first.\n`);
    process.exit(2);
  }
  return import(pathToFileURL(dist).href);
}
