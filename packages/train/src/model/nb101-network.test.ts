import '@tensorflow/tfjs-backend-cpu';
import { readFileSync } from 'node:fs';

import { createRng, InvalidArchitectureError, InvalidArgumentError } from '@lmreg/common';
import { getSpace, nb101ParamCount, type Nb101Spec } from '@lmreg/spaces';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';

import { createSgd } from '../optim/sgd.js';
import { createNb101Network, createNb101Supernet, nb101NetworkBuilder } from './nb101-network.js';
import { getNetworkBuilder } from './registry.js';
import { expectTrainStepMovesOnlyPath, trainableCount, useCpuWithLeakCheck } from '../testing/model.js';

const TINY = { stem: 4, stacks: 3, modulesPerStack: 1, classes: 10, seed: 1 } as const;
const space = getSpace<Nb101Spec>('nb101');

/** Rows of the shared NB101 anchor file that carry a published parameter count. */
function anchors(): { name: string; spec: Nb101Spec; params: number }[] {
  const lines = readFileSync(new URL('../../../../../shared/data/nasbench101/nb101_anchors.csv', import.meta.url), 'utf8')
    .trim()
    .split('\n');
  return lines.slice(1).flatMap((line) => {
    const cols = line.split(',');
    const [name, , , vertices, flat, ops, params] = cols as [string, string, string, string, string, string, string];
    if (params === '') return [];
    const v = Number(vertices);
    const matrix = Array.from({ length: v }, (_, i) => Array.from({ length: v }, (_, j) => Number(flat[i * v + j])));
    return [{ name, spec: { matrix, ops: ops.split('|') }, params: Number(params) }];
  });
}

useCpuWithLeakCheck();

describe('NB101 networks', () => {
  it('is registered and maps [2, 8, 8, 3] images to [2, 10] logits for many sampled cells (super-net and stand-alone)', () => {
    expect(getNetworkBuilder('nb101')).toBe(nb101NetworkBuilder);
    const net = createNb101Supernet(TINY);
    const x = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const rng = createRng(3);
    for (let i = 0; i < 6; i++) {
      const arch = space.sample(rng);
      const logits = net.forward(arch, x, { training: true });
      expect(logits.shape).toEqual([2, 10]);
      expect(Array.from(logits.dataSync()).every(Number.isFinite)).toBe(true);
      logits.dispose();
      if (i < 2) {
        const alone = createNb101Network(arch, TINY);
        const l2 = alone.forward(arch, x, { training: true });
        expect(l2.shape).toEqual([2, 10]);
        l2.dispose();
        alone.dispose();
      }
    }
    // input -> output only: the module is the output projection
    const direct = {
      matrix: [
        [0, 1],
        [0, 0],
      ],
      ops: ['input', 'output'],
    };
    const l = net.forward(direct, x, { training: false });
    expect(l.shape).toEqual([2, 10]);
    const bad = {
      matrix: [
        [0, 0],
        [0, 0],
      ],
      ops: ['input', 'output'],
    };
    expect(() => net.forward(bad, x, { training: true })).toThrow(InvalidArchitectureError);
    const odd = tf.zeros([2, 6, 6, 3]) as tf.Tensor4D;
    expect(() => net.forward(direct, odd, { training: true })).toThrow(InvalidArgumentError);
    tf.dispose([x, l, odd]);
    net.dispose();
  });

  it('a stand-alone network holds exactly nb101ParamCount trainable parameters for many sampled cells', () => {
    const rng = createRng(7);
    for (const options of [TINY, { stem: 6, stacks: 2, modulesPerStack: 2, classes: 5, seed: 0 }]) {
      for (let i = 0; i < 25; i++) {
        const arch = space.sample(rng);
        const net = createNb101Network(arch, options);
        const expected = nb101ParamCount(arch, options);
        expect(trainableCount(net)).toBe(expected);
        expect(net.paramCount(arch)).toBe(expected);
        net.dispose();
      }
    }
  });

  it('matches the published trainable_parameters of the anchor cells at the official size (count only)', () => {
    const rows = anchors();
    expect(rows.find((r) => r.name === 'nni_doc_example')?.params).toBe(8_555_530);
    for (const row of rows) {
      const net = createNb101Network(row.spec, { seed: 0 });
      expect(trainableCount(net), row.name).toBe(row.params);
      net.dispose();
    }
  });

  it('shares weights by (module, vertex, op) and slices them to the path channels', () => {
    const net = createNb101Supernet(TINY);
    const a = {
      matrix: [
        [0, 1, 1, 0],
        [0, 0, 0, 1],
        [0, 0, 0, 1],
        [0, 0, 0, 0],
      ],
      ops: ['input', 'conv3x3-bn-relu', 'conv1x1-bn-relu', 'output'],
    };
    const b = {
      matrix: [
        [0, 1, 0],
        [0, 0, 1],
        [0, 0, 0],
      ],
      ops: ['input', 'conv3x3-bn-relu', 'output'],
    };
    const va = net.variablesFor(a);
    const vb = net.variablesFor(b);
    const key = 'stack1.module0.vertex1.conv3x3.conv';
    expect(va.get(key)).toBeDefined();
    expect(va.get(key)).toBe(vb.get(key));
    expect(va.get(key)?.shape).toEqual([3, 3, 8, 8]); // sized for the module's output channels
    expect(va.has('stack0.module0.vertex2.conv1x1.conv')).toBe(true);
    expect(vb.has('stack0.module0.vertex2.conv1x1.conv')).toBe(false);
    expect(net.keyOf(va.get(key) as tf.Variable)).toBe(key);
    net.dispose();
  });

  it('one trainStep on one path changes no variable outside it, and leaks nothing', () => {
    const net = createNb101Supernet(TINY);
    const opt = createSgd({ momentum: 0.9, weightDecay: 5e-4 });
    const arch = space.sample(createRng(11));
    const x = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 2) as tf.Tensor4D;
    const y = tf.tensor1d([1, 4], 'int32');
    expectTrainStepMovesOnlyPath({ net, arch, x, y, optimizer: opt, lr: 0.1 });
    tf.dispose([x, y]);
    opt.dispose();
    net.dispose();
  });
});
