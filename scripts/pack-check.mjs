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
run(
  'npm',
  [
    'install',
    '--no-audit',
    '--no-fund',
    '--loglevel=error',
    ...tarballs,
    '@tensorflow/tfjs-core@4.22.0',
    '@tensorflow/tfjs-backend-cpu@4.22.0',
    'fast-check@4',
  ],
  app,
);

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

// Each package alone: a fresh folder with only its tarball (and the tarballs of the @lmreg packages
// it depends on, which are not published yet), its tfjs peers, and the first ```js example of its
// README, which must run.
const tarballOf = new Map(packages.map((p, i) => [p.manifest.name, tarballs[i]]));
const manifestOf = new Map(packages.map((p) => [p.manifest.name, p.manifest]));
function withDependencies(name, into = new Set()) {
  if (into.has(name)) return into;
  into.add(name);
  for (const dep of Object.keys(manifestOf.get(name)?.dependencies ?? {})) if (manifestOf.has(dep)) withDependencies(dep, into);
  return into;
}
const ran = [];
for (const p of packages) {
  const readme = fs.readFileSync(path.join(p.dir, 'README.md'), 'utf8');
  const example = /```js\n([\s\S]*?)```/.exec(readme)?.[1];
  if (example === undefined) continue;
  const alone = path.join(work, `alone-${p.manifest.name.replace(/[@/]/g, '_')}`);
  fs.mkdirSync(alone);
  fs.writeFileSync(path.join(alone, 'package.json'), JSON.stringify({ name: 'pack-check-alone', private: true, type: 'module' }));
  const mine = [...withDependencies(p.manifest.name)].map((n) => tarballOf.get(n));
  const peers = Object.keys(p.manifest.peerDependencies ?? {}).some((d) => d.startsWith('@tensorflow/'))
    ? ['@tensorflow/tfjs-core@4.22.0', '@tensorflow/tfjs-backend-cpu@4.22.0']
    : [];
  run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...mine, ...peers], alone);
  fs.writeFileSync(path.join(alone, 'example.mjs'), example);
  try {
    execFileSync('node', ['example.mjs'], { cwd: alone, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', timeout: 180_000 });
  } catch (error) {
    throw new Error(`${p.manifest.name}: its README example failed when installed alone:\n${error.stderr ?? error.message}`);
  }
  ran.push(p.manifest.name);
}
console.log(`pack-check: README examples run with each package installed alone: ${ran.join(', ')}`);
fs.rmSync(work, { recursive: true, force: true });
