import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { InvalidArgumentError, InvalidArchitectureError } from '@lmreg/common';
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';

import { NB201_OPS } from './nb201-arch.js';
import type { Nb201Arch } from './nb201-arch.js';
import { nb201ParamCount } from './nb201-params.js';
import { parseNb201 } from './nb201-space.js';

const CSV = fileURLToPath(new URL('../../../../../shared/data/nasbench201/nb201_all.csv', import.meta.url));

/** arch_str and the three params columns (MB = 1e6 parameters) of shared/data/nasbench201/nb201_all.csv. */
function readTable(): { archStr: string; cifar10: number; cifar100: number; imagenet16: number }[] {
  const [header = '', ...lines] = readFileSync(CSV, 'utf8').trim().split('\n');
  const cols = header.split(',');
  const col = (name: string): number => {
    const i = cols.indexOf(name);
    if (i < 0) throw new Error(`${CSV} has no column ${name}`);
    return i;
  };
  const a = col('arch_str');
  const c10 = col('params_mb_cifar10_derived');
  const c100 = col('params_mb_cifar100_derived');
  const i16 = col('params_mb_imagenet16_derived');
  return lines.map((line) => {
    const cells = line.split(',');
    return {
      archStr: cells[a] ?? '',
      cifar10: Math.round(Number(cells[c10]) * 1e6),
      cifar100: Math.round(Number(cells[c100]) * 1e6),
      imagenet16: Math.round(Number(cells[i16]) * 1e6),
    };
  });
}

const op = fc.constantFrom(...NB201_OPS);
const arch = fc.tuple(op, op, op, op, op, op).map((ops) => ops as Nb201Arch);

describe('nb201ParamCount', () => {
  it('equals the params columns for CIFAR-10, CIFAR-100 and ImageNet16-120 on all 15,625 rows', () => {
    const table = readTable();
    expect(table).toHaveLength(15625);
    const wrong = { cifar10: 0, cifar100: 0, imagenet16: 0 };
    for (const row of table) {
      const a = parseNb201(row.archStr);
      if (nb201ParamCount(a, { classes: 10 }) !== row.cifar10) wrong.cifar10++;
      if (nb201ParamCount(a, { classes: 100 }) !== row.cifar100) wrong.cifar100++;
      if (nb201ParamCount(a, { classes: 120 }) !== row.imagenet16) wrong.imagenet16++;
    }
    expect(wrong).toEqual({ cifar10: 0, cifar100: 0, imagenet16: 0 });
  });

  it('matches the official values quoted in SOURCE.md', () => {
    const all3x3 = parseNb201('|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|');
    expect(nb201ParamCount(all3x3, { classes: 10 })).toBe(1_531_546);
    expect(nb201ParamCount(all3x3, { classes: 100 })).toBe(1_537_396);
    const issue36 = parseNb201('|skip_connect~0|+|none~0|nor_conv_3x3~1|+|avg_pool_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|');
    expect(nb201ParamCount(issue36, { classes: 10 })).toBe(802_426);
    const empty = parseNb201('|none~0|+|none~0|none~1|+|none~0|none~1|none~2|');
    expect(nb201ParamCount(empty, { classes: 10 })).toBe(73_306);
  });

  test.prop([arch, fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 1000 })])(
    'agrees with a closed form for any width, depth and class count',
    (a, c, n, k) => {
      const n3 = a.filter((x) => x === 'nor_conv_3x3').length;
      const n1 = a.filter((x) => x === 'nor_conv_1x1').length;
      // stem + 2 reductions + last BN + classifier, then per conv edge over the 3 widths.
      const reduction1 = 9 * c * 2 * c + 4 * c + 9 * 4 * c * c + 4 * c + 2 * c * c; // c -> 2c
      const reduction2 = 9 * 2 * c * 4 * c + 8 * c + 9 * 16 * c * c + 8 * c + 8 * c * c; // 2c -> 4c
      const fixed = 27 * c + 2 * c + reduction1 + reduction2 + 8 * c + 4 * c * k + k;
      const perWidth = (kernel: number): number => [c, 2 * c, 4 * c].reduce((s, w) => s + kernel * w * w + 2 * w, 0);
      expect(nb201ParamCount(a, { channels: c, cells: n, classes: k })).toBe(fixed + n * (n3 * perWidth(9) + n1 * perWidth(1)));
    },
  );

  it.each([
    [{ classes: 0 }, /classes must be a positive integer, got 0/],
    [{ classes: 10, channels: 1.5 }, /channels must be a positive integer, got 1.5/],
    [{ classes: 10, cells: -1 }, /cells must be a positive integer/],
    [{ classes: Number.NaN }, /classes/],
    [{} as { classes: number }, /classes must be a positive integer, got undefined/],
  ])('rejects options %j with InvalidArgumentError', (options, message) => {
    const a = parseNb201('|none~0|+|none~0|none~1|+|none~0|none~1|none~2|');
    expect(() => nb201ParamCount(a, options)).toThrow(InvalidArgumentError);
    expect(() => nb201ParamCount(a, options)).toThrow(message);
  });

  it('rejects an invalid cell with InvalidArchitectureError', () => {
    expect(() => nb201ParamCount(['x'] as unknown as Nb201Arch, { classes: 10 })).toThrow(InvalidArchitectureError);
  });
});
