import '@tensorflow/tfjs-backend-cpu';
import { createRng, InvalidArchitectureError, InvalidArgumentError } from '@lmreg/common';
import { type DepthArch, type DepthBlock, getSpace } from '@lmreg/spaces';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';

import { createSgd } from '../optim/sgd.js';
import { ssiLoss } from './depth-loss.js';
import { createDepthNetwork, createDepthSupernet, depthNetworkBuilders } from './depth-network.js';
import { interpolate2x } from './depth-parts.js';
import { getNetworkBuilder } from './registry.js';
import { expectOnlyPathMoved, maxAbsDiff, trainableCount, useCpuWithLeakCheck } from '../testing/model.js';

const TINY = { encoderChannels: 2, features: 4, seed: 1 } as const;
const v2nonsync = getSpace<DepthArch>('depth-v2-nonsync');

function block(ops: DepthBlock['ops'], upsample: DepthBlock['upsample']): DepthBlock {
  return { ops, upsample };
}

useCpuWithLeakCheck();

describe('depth fusion-block networks', () => {
  it('are registered for the four depth spaces and give a dense [batch, h, w] map for every upsampling op', () => {
    for (const b of depthNetworkBuilders) expect(getNetworkBuilder(b.space)).toBe(b);
    const net = createDepthSupernet(TINY);
    const x = tf.randomNormal([2, 16, 16, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const archs: DepthArch[] = [
      [block(['nor_conv_3x3', 'skip_connect', 'none', 'nor_conv_1x1', 'avg_pool_3x3'], 'bilinear')],
      [
        block(['none', 'none', 'none', 'none', 'none'], 'bicubic'),
        block(['skip_connect', 'nor_conv_3x3', 'avg_pool_3x3', 'none', 'skip_connect'], 'convtranspose'),
        block(['nor_conv_1x1', 'none', 'skip_connect', 'nor_conv_3x3', 'none'], 'pixelshuffle'),
        block(['avg_pool_3x3', 'nor_conv_1x1', 'none', 'skip_connect', 'nor_conv_3x3'], 'bilinear'),
      ],
      v2nonsync.sample(createRng(2)),
    ];
    for (const arch of archs) {
      const depth = net.predictDepth(arch, x);
      expect(depth.shape).toEqual([2, 16, 16]);
      expect(Array.from(depth.dataSync()).every(Number.isFinite)).toBe(true);
      const flat = net.forward(arch, x, { training: true });
      expect(flat.shape).toEqual([2, 256]);
      tf.dispose([depth, flat]);
    }
    expect(() => net.predictDepth([block(['conv' as 'none', 'none', 'none', 'none', 'none'], 'bilinear')], x)).toThrow(InvalidArchitectureError);
    const odd = tf.zeros([2, 8, 8, 3]) as tf.Tensor4D;
    expect(() => net.predictDepth(archs[0] as DepthArch, odd)).toThrow(InvalidArgumentError);
    tf.dispose([x, odd]);
    net.dispose();
  });

  it('x2 upsampling (align_corners): bilinear equals tfjs resizeBilinear, bicubic equals the PyTorch formula', () => {
    const x = tf.randomNormal([2, 4, 3, 2], 0, 1, 'float32', 3) as tf.Tensor4D;
    const mine = interpolate2x(x, 'bilinear');
    const reference = tf.image.resizeBilinear(x, [8, 6], true);
    expect(maxAbsDiff(mine, reference)).toBeLessThan(1e-5);
    // bicubic: a direct per-pixel transcription of PyTorch's upsample_bicubic2d (align_corners,
    // A = -0.75, border indices clamped), on a non-linear 4x3 image
    const h = 4;
    const w = 3;
    const pixels = Array.from({ length: h * w }, (_, k) => ((k * 7) % 5) - 0.3 * k);
    const A = -0.75;
    const weights = (t: number): number[] => {
      const c1 = (v: number): number => ((A + 2) * v - (A + 3)) * v * v + 1;
      const c2 = (v: number): number => ((A * v - 5 * A) * v + 8 * A) * v - 4 * A;
      return [c2(t + 1), c1(t), c1(1 - t), c2(2 - t)];
    };
    const at = (i: number, j: number): number => pixels[Math.min(Math.max(i, 0), h - 1) * w + Math.min(Math.max(j, 0), w - 1)] ?? NaN;
    const expected: number[] = [];
    for (let oy = 0; oy < 2 * h; oy++) {
      for (let ox = 0; ox < 2 * w; ox++) {
        const sy = (oy * (h - 1)) / (2 * h - 1);
        const sx = (ox * (w - 1)) / (2 * w - 1);
        const [iy, ix] = [Math.floor(sy), Math.floor(sx)];
        const [wy, wx] = [weights(sy - iy), weights(sx - ix)];
        let v = 0;
        for (let a = 0; a < 4; a++) for (let b = 0; b < 4; b++) v += (wy[a] ?? 0) * (wx[b] ?? 0) * at(iy - 1 + a, ix - 1 + b);
        expected.push(v);
      }
    }
    const image = tf.tensor4d(pixels, [1, h, w, 1]);
    const cubic = interpolate2x(image, 'bicubic');
    expect(cubic.shape).toEqual([1, 8, 6, 1]);
    Array.from(cubic.dataSync()).forEach((v, k) => expect(v).toBeCloseTo(expected[k] ?? NaN, 4));
    // corners are kept (align_corners) and constants are reproduced
    expect(cubic.dataSync()[0]).toBeCloseTo(pixels[0] ?? NaN, 5);
    const ones = tf.ones([1, 3, 5, 2]) as tf.Tensor4D;
    const upOnes = interpolate2x(ones, 'bicubic');
    expect(Array.from(upOnes.dataSync()).every((v) => Math.abs(v - 1) < 1e-5)).toBe(true);
    tf.dispose([x, mine, reference, image, cubic, ones, upOnes]);
  });

  it('a stand-alone network holds exactly paramCount parameters and starts from the super-net copies of its ops', () => {
    const rng = createRng(5);
    const superNet = createDepthSupernet(TINY);
    const superWeights = superNet.getWeights();
    for (let i = 0; i < 8; i++) {
      const arch = v2nonsync.sample(rng);
      const net = createDepthNetwork(arch, TINY);
      expect(trainableCount(net)).toBe(net.paramCount(arch));
      expect(superNet.paramCount(arch)).toBe(net.paramCount(arch));
      for (const [key, values] of Object.entries(net.getWeights())) expect(values).toEqual(superWeights[key]);
      net.dispose();
    }
    superNet.dispose();
  });

  it('shares weights per (block, edge, op) and per (block, upsampling op)', () => {
    const net = createDepthSupernet(TINY);
    const a: DepthArch = [block(['nor_conv_3x3', 'skip_connect', 'none', 'nor_conv_1x1', 'avg_pool_3x3'], 'pixelshuffle')];
    const b: DepthArch = [block(['nor_conv_3x3', 'none', 'nor_conv_1x1', 'nor_conv_3x3', 'skip_connect'], 'pixelshuffle')];
    const va = net.variablesFor(a);
    const vb = net.variablesFor(b);
    for (const key of ['decoder.block2.edge0.nor_conv_3x3.conv', 'decoder.block0.upsample.pixelshuffle.conv', 'encoder.stage1.conv']) {
      expect(va.get(key)).toBeDefined();
      expect(va.get(key)).toBe(vb.get(key));
    }
    expect(va.has('decoder.block0.edge3.nor_conv_1x1.conv')).toBe(true);
    expect(vb.has('decoder.block0.edge3.nor_conv_1x1.conv')).toBe(false);
    // edge 3<-2 none: node 2 is dead, so its input edges are neither computed nor reported
    const dead: DepthArch = [block(['nor_conv_3x3', 'nor_conv_1x1', 'nor_conv_1x1', 'nor_conv_3x3', 'none'], 'bilinear')];
    const vd = net.variablesFor(dead);
    expect(vd.has('decoder.block3.edge0.nor_conv_3x3.conv')).toBe(false);
    expect(vd.has('decoder.block3.edge2.nor_conv_1x1.conv')).toBe(true);
    net.dispose();
  });

  it('one SGD step of ssiLoss on one path changes no variable outside it, and leaks nothing', () => {
    // No depth dataset exists here: the target is a synthetic smooth ramp plus the image's own
    // mean intensity, only to have a dense target for one gradient step.
    const net = createDepthSupernet(TINY);
    const opt = createSgd({ momentum: 0.9, weightDecay: 1e-4 });
    const arch = v2nonsync.sample(createRng(8));
    const x = tf.randomUniform([2, 16, 16, 3], 0, 1, 'float32', 9) as tf.Tensor4D;
    const target = tf.tidy(() => tf.add(tf.mean(x, 3), tf.reshape(tf.linspace(0, 1, 16), [1, 1, 16])));
    const onPath = new Set(net.variablesFor(arch).keys());
    const start = net.getWeights();
    const vars = [...net.allVariables().values()];
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => ssiLoss(net.predictDepth(arch, x), target), vars);
      expect(Number.isFinite(value.dataSync()[0])).toBe(true);
      const byKey: Record<string, tf.Tensor> = {};
      for (const [name, g] of Object.entries(grads)) {
        const key = net.keyOf(vars.find((v) => v.name === name) as tf.Variable) as string;
        expect(onPath.has(key), key).toBe(true);
        byKey[key] = g;
      }
      opt.applyGradients(byKey, net.allVariables(), 0.1);
    });
    expectOnlyPathMoved(start, net.getWeights(), onPath);
    tf.dispose([x, target]);
    opt.dispose();
    net.dispose();
  });
});
