import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { selectBackend } from '@lmreg/train';

import { createProgram } from './main.js';
import type { StandaloneReport } from './standalone-command.js';

// `lmreg standalone` in-process through commander, on the cpu backend at a tiny size.
const TINY = [
  '--preset',
  'tiny',
  '--backend',
  'cpu',
  '--dataset',
  'fashion-mnist-mini',
  '--image-size',
  '8',
  '--channels',
  '4',
  '--cells',
  '1',
  '--train-subset',
  '64',
  '--test-subset',
  '32',
  '--epochs',
  '1',
  '--batch-size',
  '32',
  '-q',
];
const A = '|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|none~0|avg_pool_3x3~1|nor_conv_3x3~2|';
const B = '|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_3x3~0|none~1|skip_connect~2|';

async function run(args: string[]): Promise<{ out: string; err: string }> {
  let out = '';
  let err = '';
  const program = createProgram({ out: (s) => void (out += s), err: (s) => void (err += s) });
  await program.parseAsync(['standalone', ...args], { from: 'user' });
  return { out, err };
}

let root = '';
beforeAll(async () => {
  await selectBackend('cpu');
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'lmreg-standalone-'));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('lmreg standalone', () => {
  it('trains --arch and --archs architectures, caches them in --out, and --resume trains only the new ones', async () => {
    const before = tf.memory().numTensors;
    const out = path.join(root, 'cache');
    const first = JSON.parse((await run([...TINY, '--arch', A, '-o', out, '--json'])).out) as StandaloneReport;
    expect(first.results).toHaveLength(1);
    expect(first.results[0]).toMatchObject({ arch: A, cached: false });
    expect(first.results[0]!.accuracy).toBeGreaterThanOrEqual(0);
    expect(first.results[0]!.accuracy).toBeLessThanOrEqual(1);
    expect(first.results[0]!.params).toBe(11374); // nb201ParamCount at C=4 N=1 (see `lmreg params`)

    // A killed run continues at the next architecture: A comes from the cache, only B is trained.
    const list = path.join(root, 'archs.txt');
    fs.writeFileSync(list, `# two architectures\n${A}\n\n${B}\n`);
    const second = JSON.parse((await run([...TINY, '--archs', list, '-o', out, '--resume', '--json'])).out) as StandaloneReport;
    expect(second.results.map((r) => [r.arch, r.cached])).toEqual([
      [A, true],
      [B, false],
    ]);
    expect(second.results[0]).toEqual({ ...first.results[0], cached: true });
    const cache = JSON.parse(fs.readFileSync(path.join(out, 'standalone.json'), 'utf8')) as Record<string, unknown>;
    expect(Object.keys(cache)).toHaveLength(2);

    // Same seed, same data, same recipe: training again without a cache gives the same accuracy.
    const again = JSON.parse((await run([...TINY, '--arch', B, '--json'])).out) as StandaloneReport;
    expect(again.results[0]!.accuracy).toBe(second.results[1]!.accuracy);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('prints a table of arch, accuracy, params and seconds; --sample draws distinct architectures', async () => {
    const before = tf.memory().numTensors;
    const { out } = await run([...TINY, '--sample', '2', '--seed', '5', '--epochs', '1']);
    const lines = out.trim().split('\n');
    expect(lines[1]).toMatch(/^arch\s+accuracy\s+params\s+seconds$/);
    expect(lines).toHaveLength(4);
    for (const line of lines.slice(2)) expect(line).toMatch(/^\|\S+\|\s+\d+\.\d\d%\s+\d+\s+\d+\.\d$/);
    expect(new Set(lines.slice(2).map((l) => l.split(/\s+/)[0])).size).toBe(2);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses bad input with messages that say what to do', async () => {
    await expect(run([...TINY])).rejects.toThrow(/no architectures given.*--arch.*--archs.*--sample/);
    await expect(run([...TINY, '--arch', 'not-an-arch'])).rejects.toThrow(/nb201/i);
    await expect(run([...TINY, '--arch', A, '--resume'])).rejects.toThrow(/--resume needs .*--out/);
    await expect(run([...TINY, '--archs', path.join(root, 'missing.txt')])).rejects.toThrow(/cannot read --archs file/);
    await expect(run([...TINY, '--arch', A, '--image-size', '10'])).rejects.toThrow(/imageSize: .*multiple of 4/);
    await expect(run([...TINY, '--arch', A, '--backend', 'native', '--threads', '0'])).rejects.toThrow(/threads must be an integer >= 1, got 0/);
    const out = path.join(root, 'taken');
    await run([...TINY, '--arch', A, '-o', out]);
    await expect(run([...TINY, '--arch', A, '-o', out])).rejects.toThrow(/--resume/);
    await expect(run([...TINY, '--arch', A, '-o', out, '--resume', '--lr', '0.01'])).rejects.toThrow(/configuration differs/);
  });
});
