// NAS-Bench-101: time to enumerate all 423,624 unique cells, and to hash every one of them with the
// official md5 module hash (what packages/spaces/src/nb101/nb101-enumerate.test.ts does).
// Build first: npx turbo run build --filter=@lmreg/spaces
// Run:         node bench/nb101-enumerate.mjs   (prints one JSON line; wall and CPU milliseconds)
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';

import { createNb101Space, nb101Hash } from '../packages/spaces/dist/index.js';

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const round = (v) => Math.round(v);

const space = createNb101Space();

// 1. First enumeration: builds the cell table (isomorphism reduction) and yields every cell.
let wall = performance.now();
let cpu = cpuMs();
const cells = [...space.enumerate()];
const enumerateMs = performance.now() - wall;
const enumerateCpuMs = cpuMs() - cpu;

// 2. Second enumeration: table cached, only the architecture objects are built.
wall = performance.now();
let again = 0;
for (const _ of space.enumerate()) again++;
const reEnumerateMs = performance.now() - wall;

// 3. Official hash of every cell (checks + pruning + md5 neighbourhood hashing).
wall = performance.now();
cpu = cpuMs();
const hashes = new Set();
for (const a of cells) hashes.add(nb101Hash(a));
const hashMs = performance.now() - wall;
const hashCpuMs = cpuMs() - cpu;

console.log(
  JSON.stringify({
    bench: 'nb101-enumerate',
    cells: cells.length,
    cellsSecondPass: again,
    uniqueHashes: hashes.size,
    enumerateMs: round(enumerateMs),
    enumerateCpuMs: round(enumerateCpuMs),
    reEnumerateMs: round(reEnumerateMs),
    hashAllMs: round(hashMs),
    hashAllCpuMs: round(hashCpuMs),
    hashPerCellUs: Number(((hashMs * 1000) / cells.length).toFixed(1)),
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
  }),
);
