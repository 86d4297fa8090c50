#!/usr/bin/env node
// Packs every workspace package with `npm pack`, installs the tarballs into an empty folder outside
// the repo (with the tfjs peer dependencies from the registry) and imports every public entry point.
// Catches broken `exports`, missing `files`, deep imports of workspace sources and missing deps.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkgsDir = path.join(root, 'packages');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lmreg-pack-check-'));
const tarDir = path.join(work, 'tarballs');
const app = path.join(work, 'app');
fs.mkdirSync(tarDir);
fs.mkdirSync(app);

const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });

const packages = fs
  .readdirSync(pkgsDir)
  .map((d) => path.join(pkgsDir, d))
  .filter((d) => fs.existsSync(path.join(d, 'package.json')))
  .map((dir) => ({ dir, manifest: JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) }))
  .filter((p) => !p.manifest.private);

const tarballs = [];
for (const p of packages) {
  const out = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', tarDir], p.dir));
  tarballs.push(path.join(tarDir, out[0].filename));
  const files = out[0].files.map((f) => f.path);
  if (files.some((f) => f.startsWith('src/'))) throw new Error(`${p.manifest.name}: the tarball ships src/ files`);
  if (!files.includes('README.md')) throw new Error(`${p.manifest.name}: the tarball has no README.md`);
}

fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'pack-check-app', private: true, type: 'module' }));
run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...tarballs, '@tensorflow/tfjs-core@4.22.0', '@tensorflow/tfjs-backend-cpu@4.22.0', 'fast-check@4'], app);

const checks = [];
for (const p of packages) {
  for (const [sub, target] of Object.entries(p.manifest.exports ?? {})) {
    if (target === null || sub === './package.json') continue;
    const spec = sub === '.' ? p.manifest.name : `${p.manifest.name}/${sub.slice(2)}`;
    checks.push(spec);
  }
}
const probe = `
const specs = ${JSON.stringify(checks)};
const out = {};
for (const s of specs) {
  const m = await import(s);
  const names = Object.keys(m);
  if (names.length === 0) throw new Error(s + ' exports nothing');
  out[s] = names.length;
}
let refused = false;
try { await import('@lmreg/spaces/internal/anything'); } catch { refused = true; }
if (!refused) throw new Error('internal/* must not be importable');
console.log(JSON.stringify(out));
`;
fs.writeFileSync(path.join(app, 'probe.mjs'), probe);
const result = run('node', ['probe.mjs'], app);
console.log(`pack-check: ${packages.length} packages packed, installed outside the repo and imported: ${result.trim()}`);
fs.rmSync(work, { recursive: true, force: true });
