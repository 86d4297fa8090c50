import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { selectBackend } from '@lmreg/train';

import { resolveSearchConfig } from '../config/search-config.js';
import { runSearch } from '../search/run-search.js';
import type { SearchResult } from '../search/search-result.js';
import type { EvalReport } from './eval-command.js';
import { createProgram } from './main.js';

// `lmreg eval` on a real tiny search run (cpu backend): it must reproduce, from config.json and the
// final checkpoint alone, the super-net accuracies the search itself measured.
async function run(args: string[]): Promise<{ out: string; err: string }> {
  let out = '';
  let err = '';
  const program = createProgram({ out: (s) => void (out += s), err: (s) => void (err += s) });
  await program.parseAsync(['eval', ...args], { from: 'user' });
  return { out, err };
}

let root = '';
let runDir = '';
let result: SearchResult;
beforeAll(async () => {
  await selectBackend('cpu');
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'lmreg-eval-'));
  runDir = path.join(root, 'run');
  const config = resolveSearchConfig([
    {
      source: 'test',
      values: {
        preset: 'tiny',
        backend: 'cpu',
        trainSubset: 128,
        testSubset: 48,
        epochs: 1,
        batchSize: 16,
        heldOut: 4,
        landmarks: { count: 2, tau: 2 },
        ranking: { batchSize: 16 },
        standalone: { epochs: 1, batchSize: 32 },
        compareBaseline: false,
      },
    },
  ]);
  result = await runSearch({ config, outDir: runDir });
}, 300_000);
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('lmreg eval', () => {
  it("reproduces the run's super-net accuracies of its held-out architectures and ranks them", async () => {
    const before = tf.memory().numTensors;
    const archs = result.heldOut.map((h) => h.arch);
    const report = JSON.parse((await run(['--run', runDir, ...archs.flatMap((a) => ['--arch', a]), '--json'])).out) as EvalReport;
    expect(report.variant).toBe('landmarks');
    expect(report.epoch).toBe(0);
    expect(report.testImages).toBe(48);
    const variant = result.variants[0]!;
    const byArch = new Map(report.ranking.map((r) => [r.arch, r]));
    archs.forEach((a, i) => {
      expect(byArch.get(a)?.supernetAccuracy, a).toBe(variant.supernetAccuracy[i]);
      expect(byArch.get(a)?.groundTruth, a).toBe(result.heldOut[i]!.accuracy);
    });
    expect(report.ranking.map((r) => r.rank)).toEqual([1, 2, 3, 4]);
    for (let i = 1; i < report.ranking.length; i++) {
      expect(report.ranking[i - 1]!.supernetAccuracy).toBeGreaterThanOrEqual(report.ranking[i]!.supernetAccuracy);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('prints a ranked table for --archs FILE and --sample', async () => {
    const before = tf.memory().numTensors;
    const list = path.join(root, 'archs.txt');
    fs.writeFileSync(list, `${result.landmarks[0]!.arch}\n`);
    const { out } = await run(['--run', runDir, '--archs', list, '--sample', '2', '--seed', '1', '-q']);
    const lines = out.trim().split('\n');
    expect(lines[0]).toMatch(/landmarks super-net .* \(epoch 0\), 48 test images, cpu/);
    expect(lines).toHaveLength(5);
    expect(lines[2]).toMatch(/^\s+1\s+\|\S+\|\s+\d+\.\d\d%/);
    expect(out).toContain(result.landmarks[0]!.arch);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('says what is missing when the run folder has no checkpoint', async () => {
    const arch = ['--arch', result.heldOut[0]!.arch];
    await expect(run(['--run', path.join(root, 'nothing'), ...arch])).rejects.toThrow(/holds no search run \(no config\.json\)/);
    await expect(run(['--run', runDir, '--variant', 'baseline', ...arch])).rejects.toThrow(
      /no trained baseline super-net \(no supernet-baseline\.bin\)\. It has: landmarks; pass --variant landmarks/,
    );
    const fresh = path.join(root, 'fresh');
    fs.mkdirSync(fresh);
    fs.copyFileSync(path.join(runDir, 'config.json'), path.join(fresh, 'config.json'));
    await expect(run(['--run', fresh, ...arch])).rejects.toThrow(/no trained landmarks super-net .*finish an epoch/);
    await expect(run(['--run', runDir])).rejects.toThrow(/no architectures given/);
  });
});
