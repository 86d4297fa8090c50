import '@tensorflow/tfjs-backend-cpu';
import { readFileSync } from 'node:fs';

import { createRng, InvalidArchitectureError, InvalidArgumentError } from '@lmreg/common';
import { parseCsv } from '@lmreg/common/testing';
import { dartsParamCount, type DartsGenotype, type DartsLikeGenotype, getSpace } from '@lmreg/spaces';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';

import { createSgd } from '../optim/sgd.js';
import { avgPoolExcludePad, depthwiseConvTorch, maxPoolTorch } from './layers.js';
import { createDartsNetwork, createDartsSupernet, dartsNetworkBuilder } from './darts-builder.js';
import { getNetworkBuilder } from './registry.js';
import { expectTrainStepMovesOnlyPath, maxAbsDiff, trainableCount, useCpuWithLeakCheck } from '../testing/model.js';

const TINY = { channels: 4, layers: 5, classes: 10, seed: 1 } as const;
const space = getSpace<DartsGenotype>('darts');

/** The rows of a CSV file, `path` relative to this file. */
function readCsv(path: string): Record<string, string>[] {
  return parseCsv(readFileSync(new URL(path, import.meta.url), 'utf8'), path);
}

interface Row {
  readonly name: string;
  readonly genotype: DartsLikeGenotype;
  readonly noAux: number;
  readonly withAux: number;
}

/** Rows in DARTS' pair format with computed counts at C=36, 20 layers. */
function genotypeRows(): Row[] {
  return readCsv('../../../../../shared/data/darts/darts_genotypes.csv')
    .filter((r) => r['genotype_format'] === 'darts_pairs' && r['params_computed_C36_L20_noaux'] !== '')
    .map((r) => ({
      name: r['name'] as string,
      genotype: {
        normal: JSON.parse(r['normal'] as string) as [string, number][],
        normalConcat: JSON.parse(r['normal_concat'] as string) as number[],
        reduce: JSON.parse(r['reduce'] as string) as [string, number][],
        reduceConcat: JSON.parse(r['reduce_concat'] as string) as number[],
      },
      noAux: Number(r['params_computed_C36_L20_noaux']),
      withAux: Number(r['params_computed_C36_L20_with_aux']),
    }));
}

useCpuWithLeakCheck();

describe('DARTS networks', () => {
  it('is registered (with the GDAS weighted forward); the super-net maps [2, 8, 8, 3] images to [2, 10] logits for sampled genotypes', () => {
    const registered = getNetworkBuilder('darts');
    expect(registered.createSupernet).toBe(dartsNetworkBuilder.createSupernet);
    expect(registered.createNetwork).toBe(dartsNetworkBuilder.createNetwork);
    expect(typeof registered.weightedForward).toBe('function');
    const net = createDartsSupernet(TINY);
    const x = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const rng = createRng(3);
    const withNone: DartsGenotype = {
      normal: [
        ['none', 0],
        ['dil_conv_5x5', 1],
        ['dil_conv_3x3', 2],
        ['avg_pool_3x3', 0],
        ['max_pool_3x3', 3],
        ['sep_conv_5x5', 1],
        ['skip_connect', 4],
        ['none', 0],
      ],
      reduce: [
        ['dil_conv_5x5', 0],
        ['dil_conv_3x3', 1],
        ['avg_pool_3x3', 0],
        ['max_pool_3x3', 2],
        ['skip_connect', 1],
        ['none', 0],
        ['sep_conv_3x3', 3],
        ['sep_conv_5x5', 1],
      ],
    };
    for (const arch of [withNone, space.sample(rng), space.sample(rng), space.sample(rng)]) {
      const logits = net.forward(arch, x, { training: true });
      expect(logits.shape).toEqual([2, 10]);
      expect(Array.from(logits.dataSync()).every(Number.isFinite)).toBe(true);
      logits.dispose();
    }
    expect(() => net.forward({ normal: [['conv_9x9', 0]], reduce: [] } as unknown as DartsGenotype, x, { training: true })).toThrow(InvalidArchitectureError);
    const odd = tf.zeros([2, 6, 6, 3]) as tf.Tensor4D;
    expect(() => net.forward(withNone, odd, { training: true })).toThrow(InvalidArgumentError);
    tf.dispose([x, odd]);
    net.dispose();
  });

  it('stand-alone networks of DARTS-family cells (7x7, 1x7-7x1 convs, 5-node cells, duplicate pairs) run and hold dartsParamCount parameters', () => {
    const rows = genotypeRows();
    expect(rows.length).toBeGreaterThan(30);
    const x = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 2) as tf.Tensor4D;
    for (const row of rows) {
      const net = createDartsNetwork(row.genotype, TINY);
      const expected = dartsParamCount(row.genotype, { ...TINY, auxiliary: false });
      expect(trainableCount(net), row.name).toBe(expected);
      expect(net.paramCount(row.genotype)).toBe(expected);
      if (['NASNet', 'AmoebaNet', 'ENASNet', 'LR_SPOS_CIFAR10', 'DARTS_V2'].includes(row.name)) {
        const logits = net.forward(row.genotype, x, { training: true });
        expect(logits.shape, row.name).toEqual([2, 10]);
        logits.dispose();
      }
      net.dispose();
    }
    const rng = createRng(9);
    for (let i = 0; i < 20; i++) {
      const arch = space.sample(rng);
      const options = { channels: 2 + 2 * (i % 3), layers: 3 + (i % 5), classes: 7, seed: i };
      const net = createDartsNetwork(arch, options);
      expect(trainableCount(net)).toBe(dartsParamCount(arch, { ...options, auxiliary: false }));
      net.dispose();
    }
    x.dispose();
  });

  it('matches the published counts at C=36, 20 layers (DARTS_V2 3,349,342 without the auxiliary head; table rows)', () => {
    const rows = genotypeRows();
    const v2 = rows.find((r) => r.name === 'DARTS_V2') as Row;
    expect(v2.noAux).toBe(3_349_342);
    for (const row of rows.filter((r) => ['DARTS_V2', 'NASNet', 'AmoebaNet', 'LR_SPOS_CIFAR10'].includes(r.name))) {
      const net = createDartsNetwork(row.genotype, { seed: 0 });
      expect(trainableCount(net), row.name).toBe(row.noAux);
      net.dispose();
    }
    const aux = createDartsNetwork(v2.genotype, { seed: 0, auxiliary: true });
    expect(trainableCount(aux)).toBe(v2.withAux);
    aux.dispose();
    const supernet = createDartsSupernet({ channels: 2, layers: 4, classes: 3, seed: 0 });
    const rng = createRng(21);
    for (let i = 0; i < 20; i++) {
      const arch = space.sample(rng);
      expect(supernet.paramCount(arch)).toBe(dartsParamCount(arch, { channels: 2, layers: 4, classes: 3, auxiliary: false }));
    }
    supernet.dispose();
  });

  it('the auxiliary head gives [batch, classes] logits on 32x32 images', () => {
    const v2 = (genotypeRows().find((r) => r.name === 'DARTS_V2') as Row).genotype;
    const net = createDartsNetwork(v2, { channels: 2, layers: 3, classes: 4, seed: 0, auxiliary: true });
    const x = tf.randomNormal([2, 32, 32, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    const { logits, auxiliary } = net.forwardWithAuxiliary(v2, x, { training: true });
    expect(logits.shape).toEqual([2, 4]);
    expect(auxiliary.shape).toEqual([2, 4]);
    tf.dispose([x, logits, auxiliary]);
    net.dispose();
  });

  it('shares weights per (cell, node, input, op) across genotypes', () => {
    const net = createDartsSupernet(TINY);
    const rng = createRng(4);
    const a = space.sample(rng);
    const b: DartsGenotype = { normal: a.normal, reduce: space.sample(rng).reduce };
    const va = net.variablesFor(a);
    const vb = net.variablesFor(b);
    const [op, input] = a.normal[0] as readonly [string, number];
    const weighted = ['sep_conv_3x3', 'sep_conv_5x5', 'dil_conv_3x3', 'dil_conv_5x5'].includes(op);
    const key = weighted ? `cell0.node0.in${input}.${op}.pw` + (op.startsWith('sep') ? '1' : '') : 'cell0.pre1.conv';
    expect(va.get(key)).toBeDefined();
    expect(va.get(key)).toBe(vb.get(key));
    expect(net.keyOf(va.get(key) as tf.Variable)).toBe(key);
    expect(va.size).toBeLessThan(net.allVariables().size);
    net.dispose();
  });

  it('one trainStep on one path changes no variable outside it, and leaks nothing', () => {
    const net = createDartsSupernet({ channels: 4, layers: 3, classes: 3, seed: 2 });
    const opt = createSgd({ momentum: 0.9, weightDecay: 3e-4 });
    const arch: DartsGenotype = {
      normal: [
        ['sep_conv_3x3', 0],
        ['dil_conv_3x3', 1],
        ['skip_connect', 2],
        ['avg_pool_3x3', 0],
        ['max_pool_3x3', 3],
        ['dil_conv_5x5', 1],
        ['sep_conv_5x5', 4],
        ['skip_connect', 0],
      ],
      reduce: [
        ['dil_conv_3x3', 0],
        ['skip_connect', 1],
        ['avg_pool_3x3', 0],
        ['sep_conv_3x3', 2],
        ['max_pool_3x3', 1],
        ['dil_conv_5x5', 3],
        ['sep_conv_5x5', 3],
        ['skip_connect', 2],
      ],
    };
    const x = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
    const y = tf.tensor1d([0, 2], 'int32');
    expectTrainStepMovesOnlyPath({ net, arch, x, y, optimizer: opt, lr: 0.1 });
    tf.dispose([x, y]);
    opt.dispose();
    net.dispose();
  });
});

describe('DARTS layer helpers', () => {
  it('dilated depthwise conv via spaceToBatchND equals tfjs dilated conv (stride 1) and its subsampling (stride 2)', () => {
    for (const k of [3, 5]) {
      const x = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', k) as tf.Tensor4D;
      const f = tf.randomNormal([k, k, 3, 1], 0, 1, 'float32', k + 1) as tf.Tensor4D;
      const reference = tf.depthwiseConv2d(x, f, 1, 'same', 'NHWC', [2, 2]);
      const mine = depthwiseConvTorch(x, f, 1, k - 1, 2);
      expect(mine.shape).toEqual(reference.shape);
      expect(maxAbsDiff(mine, reference)).toBeLessThan(1e-4);
      const sub = tf.stridedSlice(reference, [0, 0, 0, 0], [2, 8, 8, 3], [1, 2, 2, 1]);
      const strided = depthwiseConvTorch(x, f, 2, k - 1, 2);
      expect(strided.shape).toEqual([2, 4, 4, 3]);
      expect(maxAbsDiff(strided, sub)).toBeLessThan(1e-4);
      tf.dispose([x, f, reference, mine, sub, strided]);
    }
  });

  it('dilated depthwise conv has the gradients of the same conv with a zero-inserted filter (stride 1 and 2)', () => {
    const c = 2;
    for (const k of [3, 5]) {
      for (const stride of [1, 2]) {
        const x = tf.randomNormal([2, 8, 8, c], 0, 1, 'float32', 10 + k) as tf.Tensor4D;
        const f = tf.randomNormal([k, k, c, 1], 0, 1, 'float32', 20 + k) as tf.Tensor4D;
        const out = 8 / stride;
        const r = tf.randomNormal([2, out, out, c], 0, 1, 'float32', 30 + k);
        const e = tf.tensor2d(
          Array.from({ length: (2 * k - 1) * k }, (_, q) => (Math.floor(q / k) === 2 * (q % k) ? 1 : 0)),
          [2 * k - 1, k],
        );
        const expand = (w: tf.Tensor4D): tf.Tensor4D => {
          const perChannel = tf.reshape(tf.transpose(w, [2, 3, 0, 1]), [c, k, k]) as tf.Tensor3D;
          const tiled = tf.tile(tf.expandDims(e, 0), [c, 1, 1]) as tf.Tensor3D;
          const wide = tf.matMul(tf.matMul(tiled, perChannel), tiled, false, true);
          return tf.transpose(tf.reshape(wide, [c, 1, 2 * k - 1, 2 * k - 1]), [2, 3, 0, 1]) as tf.Tensor4D;
        };
        const mine = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(depthwiseConvTorch(a as tf.Tensor4D, b, stride, k - 1, 2), r)));
        const plain = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.mul(tf.depthwiseConv2d(a as tf.Tensor4D, expand(b as tf.Tensor4D), stride, k - 1), r)),
        );
        const [gx1, gf1] = mine([x, f]) as [tf.Tensor, tf.Tensor];
        const [gx2, gf2] = plain([x, f]) as [tf.Tensor, tf.Tensor];
        expect(maxAbsDiff(gx1, gx2), `dx k=${k} s=${stride}`).toBeLessThan(1e-4);
        expect(maxAbsDiff(gf1, gf2), `df k=${k} s=${stride}`).toBeLessThan(1e-3);
        tf.dispose([x, f, r, e, gx1, gf1, gx2, gf2]);
      }
    }
  });

  it('stride-2 pools use PyTorch windows (padding 1 on both sides; the average excludes padding)', () => {
    const values = Array.from({ length: 16 }, (_, i) => i);
    const x = tf.tensor4d(values, [1, 4, 4, 1]);
    const max = maxPoolTorch(x, 3, 2, 1);
    const avg = avgPoolExcludePad(x, 3, 2, 1);
    // windows rows/cols {0,1}, {1,2,3}
    expect(Array.from(max.dataSync())).toEqual([5, 7, 13, 15]);
    const mean = (rows: number[], cols: number[]): number => {
      let s = 0;
      for (const r of rows) for (const c of cols) s += r * 4 + c;
      return s / (rows.length * cols.length);
    };
    const expected = [mean([0, 1], [0, 1]), mean([0, 1], [1, 2, 3]), mean([1, 2, 3], [0, 1]), mean([1, 2, 3], [1, 2, 3])];
    Array.from(avg.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(expected[i] ?? NaN, 5));
    tf.dispose([x, max, avg]);
  });
});
