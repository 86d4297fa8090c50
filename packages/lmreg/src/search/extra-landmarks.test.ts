import '@tensorflow/tfjs-backend-cpu';

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { FileFormatError } from '@lmreg/common';
import { LandmarkSet, saveLandmarkSet } from '@lmreg/core';
import { createRng, getSpace, type Nb201Arch } from '@lmreg/spaces';
import { afterAll, describe, expect, it } from 'vitest';

import { writeSyntheticTable } from '@lmreg/train/testing';

import { runSearchWithoutLeaks, tinySearchConfig, useCpuBackend } from '../testing/search.js';
import { readExtraLandmarks } from './extra-landmarks.js';

const nb201 = getSpace<Nb201Arch>('nb201');
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lmreg-extra-landmarks-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
useCpuBackend();

/** A standalone.json as `lmreg standalone -o DIR` writes it: key → result. */
function writeStandalone(dir: string, entries: { arch: Nb201Arch; accuracy: number }[]): string {
  fs.mkdirSync(dir, { recursive: true });
  const json = Object.fromEntries(
    entries.map(({ arch, accuracy }) => [
      nb201.key(arch),
      { arch: nb201.format(arch), key: nb201.key(arch), accuracy, loss: 1, params: 123, seconds: 2, seed: 0 },
    ]),
  );
  const file = path.join(dir, 'standalone.json');
  fs.writeFileSync(file, JSON.stringify(json));
  return file;
}

describe('previously trained stand-alone models as landmarks (landmarks.add, --add-landmarks)', () => {
  const rng = createRng(3);
  const archs = [nb201.sample(rng), nb201.sample(rng)];

  it('reads a standalone.json, its folder and a landmark-set file, with the recorded accuracies', async () => {
    const file = writeStandalone(path.join(root, 'sa'), [
      { arch: archs[0] as Nb201Arch, accuracy: 0.61 },
      { arch: archs[1] as Nb201Arch, accuracy: 0.73 },
    ]);
    for (const target of [file, path.dirname(file)]) {
      const read = readExtraLandmarks(target, nb201);
      expect(read.map((r) => [r.result.arch, r.result.accuracy])).toEqual([
        [nb201.format(archs[0] as Nb201Arch), 0.61],
        [nb201.format(archs[1] as Nb201Arch), 0.73],
      ]);
      expect(read[0]?.arch).toEqual(archs[0]);
    }
    const set = new LandmarkSet(nb201);
    set.add({ architecture: archs[1] as Nb201Arch, metric: 0.5, params: 9 });
    const setFile = path.join(root, 'set.json');
    await saveLandmarkSet(setFile, set);
    expect(readExtraLandmarks(setFile, nb201).map((r) => [r.result.key, r.result.accuracy, r.result.params])).toEqual([
      [nb201.key(archs[1] as Nb201Arch), 0.5, 9],
    ]);
  });

  it('names the file and the problem on bad input', async () => {
    expect(() => readExtraLandmarks(path.join(root, 'missing.json'), nb201)).toThrow(/does not exist.*lmreg standalone -o DIR/);
    const pct = writeStandalone(path.join(root, 'pct'), [{ arch: archs[0] as Nb201Arch, accuracy: 61 }]);
    expect(() => readExtraLandmarks(pct, nb201)).toThrow(/accuracy must be a fraction in \[0, 1\].*got 61 \(a percentage\? divide by 100\)/);
    const bad = path.join(root, 'bad.json');
    fs.writeFileSync(bad, JSON.stringify({ a: { arch: '|not_an_op~0|', accuracy: 0.5 } }));
    expect(() => readExtraLandmarks(bad, nb201)).toThrow(FileFormatError);
    expect(() => readExtraLandmarks(bad, nb201)).toThrow(/entry 1/);
    fs.writeFileSync(bad, '[1, 2]');
    expect(() => readExtraLandmarks(bad, nb201)).toThrow(/expected a standalone.json/);
    fs.writeFileSync(bad, '{"x": ');
    expect(() => readExtraLandmarks(bad, nb201)).toThrow(/cannot read previously trained landmarks/);
    const other = new LandmarkSet(getSpace('nb101'));
    const otherFile = path.join(root, 'nb101-set.json');
    await saveLandmarkSet(otherFile, other);
    expect(() => readExtraLandmarks(otherFile, nb201)).toThrow(/for space 'nb101', but this search runs on 'nb201'/);
  });

  it('a search adds them to the selected landmarks with their recorded accuracy, never as held-out, trains nothing again; no leaks', async () => {
    const tableDir = path.join(root, 'table');
    const tableArchs = writeSyntheticTable(tableDir, 24);
    const outside = nb201.parse('|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|');
    const extraArchs = [tableArchs[5] as Nb201Arch, outside];
    const file = writeStandalone(path.join(root, 'earlier'), [
      { arch: extraArchs[0] as Nb201Arch, accuracy: 0.42 },
      { arch: outside, accuracy: 0.99 },
    ]);
    const config = tinySearchConfig({
      heldOut: 6,
      groundTruth: tableDir,
      landmarks: { tau: 3, add: file },
      search: { budget: 4, top: 2, trainTop: 0 },
    });
    const result = await runSearchWithoutLeaks({ config, outDir: path.join(root, 'run') });
    const byKey = new Map(result.landmarks.map((l) => [l.key, l.accuracy]));
    expect(byKey.get(nb201.key(extraArchs[0] as Nb201Arch))).toBe(0.42); // the file's value, not the table's
    expect(byKey.get(nb201.key(outside))).toBe(0.99);
    expect(result.landmarks.length).toBeGreaterThanOrEqual(4);
    const heldOut = new Set(result.heldOut.map((h) => h.key));
    for (const a of extraArchs) expect(heldOut.has(nb201.key(a))).toBe(false);
  }, 300_000);
});
