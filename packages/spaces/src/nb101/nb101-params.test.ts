import { InvalidArchitectureError, InvalidArgumentError } from '@lmreg/common';
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';

import { nb101ParamCount } from './nb101-params.js';
import { nb101FromSpec, nb101Prune } from './nb101-spec.js';
import { rawSpec } from '../testing/nb101-arbitraries.js';
import { matrixFromBits, opsFromPipes, readCsv } from '../testing/nb101-reference.js';

const anchors = readCsv('nb101_anchors.csv');

describe('nb101ParamCount matches the official trainable_parameters', () => {
  it('for every anchor that publishes it (8,555,530 for 00005c14..., 2,694,282 for the README inception cell)', () => {
    const withParams = anchors.filter((r) => r.trainable_parameters !== '');
    expect(withParams.map((r) => Number(r.trainable_parameters)).sort()).toEqual([2_694_282, 8_555_530]);
    for (const row of withParams) {
      const spec = { matrix: matrixFromBits(row.matrix!), ops: opsFromPipes(row.ops!) };
      expect(nb101ParamCount(spec)).toBe(Number(row.trainable_parameters));
      expect(nb101ParamCount(nb101FromSpec(spec.matrix, spec.ops), { stem: 128, stacks: 3, modulesPerStack: 3, classes: 10 })).toBe(
        Number(row.trainable_parameters),
      );
    }
  });

  it('counts the input->output-only cell by hand', () => {
    // stem 3*3*3*128 + 2*128; per module a 1x1 projection + BN; dense 512*10 + 10.
    const proj = (cin: number, c: number): number => cin * c + 2 * c;
    const expected = 27 * 128 + 256 + 3 * proj(128, 128) + proj(128, 256) + 2 * proj(256, 256) + proj(256, 512) + 2 * proj(512, 512) + 512 * 10 + 10;
    expect(expected).toBe(882_570);
    expect(
      nb101ParamCount({
        matrix: [
          [0, 1],
          [0, 0],
        ],
        ops: ['input', 'output'],
      }),
    ).toBe(expected);
  });

  it('splits the output channels over the vertices feeding the output (official compute_vertex_channels)', () => {
    // input -> conv3x3 -> output and input -> conv1x1 -> output, one stack of one module, stem 8, 1 class
    const spec = {
      matrix: [
        [0, 1, 1, 0],
        [0, 0, 0, 1],
        [0, 0, 0, 1],
        [0, 0, 0, 0],
      ],
      ops: ['input', 'conv3x3-bn-relu', 'conv1x1-bn-relu', 'output'],
    };
    const options = { stem: 8, stacks: 1, modulesPerStack: 1, classes: 1 };
    // stem 3*3*3*8 + 16 = 232; each op vertex gets 4 channels: projection 8*4 + 8, conv3x3 9*16 + 8, conv1x1 16 + 8; dense 8 + 1
    expect(nb101ParamCount(spec, options)).toBe(232 + (40 + 152) + (40 + 24) + 9);
    // odd split: stem 9 -> vertex 1 gets 5 channels, vertex 2 gets 4
    expect(nb101ParamCount(spec, { ...options, stem: 9 })).toBe(27 * 9 + 18 + (9 * 5 + 10 + 9 * 25 + 10) + (9 * 4 + 8 + 16 + 8) + 10);
  });

  it('follows the official rule that uneven channel splits favour the lowest-numbered vertices', () => {
    // 128 output channels over 3 vertices: 43, 43, 42. Same cell (same hash), different vertex order.
    const matrix = [
      [0, 1, 1, 1, 0],
      [0, 0, 0, 0, 1],
      [0, 0, 0, 0, 1],
      [0, 0, 0, 0, 1],
      [0, 0, 0, 0, 0],
    ];
    const a = { matrix, ops: ['input', 'conv3x3-bn-relu', 'conv1x1-bn-relu', 'maxpool3x3', 'output'] };
    const b = { matrix, ops: ['input', 'maxpool3x3', 'conv1x1-bn-relu', 'conv3x3-bn-relu', 'output'] };
    expect(nb101ParamCount(a)).toBeGreaterThan(nb101ParamCount(b));
    // with an even split (stem 129 -> 43 each in the first stack; 258, 516 split evenly too) they agree
    expect(nb101ParamCount(a, { stem: 129 })).toBe(nb101ParamCount(b, { stem: 129 }));
  });

  test.prop([rawSpec], { numRuns: 100 })('ignores the vertices pruning removes', (spec) => {
    expect(nb101ParamCount(spec)).toBe(nb101ParamCount(nb101Prune(spec)));
  });

  it('rejects bad options and bad specs with typed errors', () => {
    const spec = {
      matrix: [
        [0, 1],
        [0, 0],
      ],
      ops: ['input', 'output'],
    };
    for (const bad of [0, -1, 1.5, Number.NaN, '3']) {
      expect(() => nb101ParamCount(spec, { stacks: bad as number })).toThrow(InvalidArgumentError);
    }
    expect(() => nb101ParamCount(spec, { stem: 0 })).toThrow(/options\.stem must be a positive integer/);
    expect(() =>
      nb101ParamCount({
        matrix: [
          [0, 0],
          [0, 0],
        ],
        ops: ['input', 'output'],
      }),
    ).toThrow(InvalidArchitectureError);
    fc.assert(
      fc.property(fc.anything(), (junk) => {
        try {
          nb101ParamCount(junk as never);
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidArchitectureError);
        }
      }),
      { numRuns: 200 },
    );
  });
});
