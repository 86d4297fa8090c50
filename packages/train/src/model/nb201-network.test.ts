import '@tensorflow/tfjs-backend-cpu';
import { createRng, InvalidArchitectureError, InvalidArgumentError } from '@lmreg/common';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';

import { softmaxCrossEntropy } from './train-step.js';
import { assertNb201Arch, createNb201Network, createNb201Supernet, NB201_OPS, type Nb201Op } from './nb201-network.js';
import { useCpuWithLeakCheck } from '../testing/model.js';

const TINY = { channels: 4, cells: 1, classes: 10, seed: 1 } as const;

function randomArch(rng: ReturnType<typeof createRng>): Nb201Op[] {
  return Array.from({ length: 6 }, () => rng.pick(NB201_OPS));
}

/** Published NB201 parameter count for 3 input channels, C=16, N=5. */
function formula(arch: readonly string[], classes: 10 | 100): number {
  const n3 = arch.filter((op) => op === 'nor_conv_3x3').length;
  const n1 = arch.filter((op) => op === 'nor_conv_1x1').length;
  return (classes === 10 ? 73306 : 79156) + 243040 * n3 + 28000 * n1;
}

useCpuWithLeakCheck();

describe('NB201 super-net: shapes and validation', () => {
  it('maps [4, 8, 8, 3] images to [4, classes] logits for many paths', () => {
    const net = createNb201Supernet(TINY);
    const x = tf.randomNormal([4, 8, 8, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const rng = createRng(5);
    const archs: Nb201Op[][] = [
      ['none', 'none', 'none', 'none', 'none', 'none'],
      ['skip_connect', 'none', 'none', 'none', 'none', 'none'],
      ['nor_conv_3x3', 'nor_conv_1x1', 'avg_pool_3x3', 'skip_connect', 'nor_conv_3x3', 'none'],
      ...Array.from({ length: 5 }, () => randomArch(rng)),
    ];
    for (const arch of archs) {
      const logits = net.forward(arch, x, { training: true });
      expect(logits.shape).toEqual([4, 10]);
      expect(Array.from(logits.dataSync()).every(Number.isFinite)).toBe(true);
      logits.dispose();
    }
    x.dispose();
    net.dispose();
  });

  it('rejects bad architectures and bad inputs with lmreg errors', () => {
    const net = createNb201Supernet(TINY);
    const x = tf.zeros([2, 8, 8, 3]) as tf.Tensor4D;
    expect(() => net.forward(['none'], x, { training: true })).toThrow(InvalidArchitectureError);
    expect(() => net.forward(['none', 'none', 'none', 'none', 'none', 'conv'], x, { training: true })).toThrow(/edge 5/);
    expect(() => assertNb201Arch('nor_conv_3x3')).toThrow(InvalidArchitectureError);
    const odd = tf.zeros([2, 6, 6, 3]) as tf.Tensor4D;
    const gray = tf.zeros([2, 8, 8, 1]) as tf.Tensor4D;
    const arch = ['nor_conv_3x3', 'none', 'none', 'none', 'none', 'none'];
    expect(() => net.forward(arch, odd, { training: true })).toThrow(InvalidArgumentError);
    expect(() => net.forward(arch, gray, { training: true })).toThrow(InvalidArgumentError);
    expect(() => createNb201Supernet({ seed: 1, channels: 0 })).toThrow(InvalidArgumentError);
    tf.dispose([x, odd, gray]);
    net.dispose();
  });

  it('a stand-alone network runs only its own architecture', () => {
    const arch = ['nor_conv_3x3', 'skip_connect', 'none', 'avg_pool_3x3', 'nor_conv_1x1', 'nor_conv_3x3'];
    const net = createNb201Network(arch, TINY);
    expect(net.fixedArch).toEqual(arch);
    const x = tf.zeros([2, 8, 8, 3]) as tf.Tensor4D;
    expect(() => net.forward(['none', 'none', 'none', 'none', 'none', 'none'], x, { training: true })).toThrow(InvalidArgumentError);
    x.dispose();
    net.dispose();
  });
});

describe('NB201 parameter counts (C=16, N=5)', () => {
  it('super-net paramCount equals the published formula for 40 random architectures (10 and 100 classes)', () => {
    const rng = createRng(11);
    for (const classes of [10, 100] as const) {
      const net = createNb201Supernet({ seed: 0, channels: 16, cells: 5, classes });
      for (let i = 0; i < 40; i++) {
        const arch = randomArch(rng);
        expect(net.paramCount(arch)).toBe(formula(arch, classes));
      }
      expect(net.paramCount(['none', 'none', 'none', 'none', 'none', 'none'])).toBe(classes === 10 ? 73306 : 79156);
      net.dispose();
    }
  });

  it('a stand-alone network holds exactly the formula count of trainable parameters', () => {
    const rng = createRng(12);
    const archs: Nb201Op[][] = [
      ['nor_conv_3x3', 'nor_conv_3x3', 'nor_conv_3x3', 'nor_conv_3x3', 'nor_conv_3x3', 'nor_conv_3x3'],
      ['none', 'nor_conv_1x1', 'none', 'none', 'none', 'none'], // dead conv still counted
      ...Array.from({ length: 4 }, () => randomArch(rng)),
    ];
    for (const arch of archs) {
      const net = createNb201Network(arch, { seed: 0, channels: 16, cells: 5, classes: 10 });
      let total = 0;
      for (const v of net.allVariables().values()) if (v.trainable) total += v.size;
      expect(total).toBe(formula(arch, 10));
      expect(net.paramCount(arch)).toBe(total);
      net.dispose();
    }
  });
});

describe('NB201 weight sharing', () => {
  it('two architectures with the same op on an edge share the variable object', () => {
    const net = createNb201Supernet(TINY);
    const a = ['nor_conv_3x3', 'nor_conv_1x1', 'none', 'nor_conv_3x3', 'nor_conv_1x1', 'skip_connect'];
    const b = ['nor_conv_3x3', 'avg_pool_3x3', 'none', 'nor_conv_1x1', 'nor_conv_1x1', 'nor_conv_3x3'];
    const va = net.variablesFor(a);
    const vb = net.variablesFor(b);
    const key = 'stage2.cell0.edge4.nor_conv_1x1.conv';
    expect(va.get(key)).toBeDefined();
    expect(va.get(key)).toBe(vb.get(key));
    expect(va.get('stem.conv')).toBe(vb.get('stem.conv'));
    expect(va.has('stage1.cell0.edge3.nor_conv_3x3.conv')).toBe(true);
    expect(vb.has('stage1.cell0.edge3.nor_conv_3x3.conv')).toBe(false);
    expect(vb.has('stage1.cell0.edge3.nor_conv_1x1.conv')).toBe(true);
    expect(net.keyOf(va.get(key) as tf.Variable)).toBe(key);
    net.dispose();
  });

  it('variablesFor leaves out ops that cannot reach the cell output', () => {
    const net = createNb201Supernet(TINY);
    // node 1 = conv(node 0), but node 1 feeds only none edges: edge 0 is dead.
    const arch = ['nor_conv_3x3', 'none', 'none', 'nor_conv_1x1', 'none', 'none'];
    const vars = net.variablesFor(arch);
    expect(vars.has('stage1.cell0.edge0.nor_conv_3x3.conv')).toBe(false);
    expect(vars.has('stage1.cell0.edge3.nor_conv_1x1.conv')).toBe(true);
    // ...but the stand-alone count includes it, as NAS-Bench-201 counts.
    expect(net.paramCount(arch)).toBe(net.paramCount(['none', 'none', 'none', 'nor_conv_1x1', 'none', 'none']) + (9 * 16 + 8) + (9 * 64 + 16) + (9 * 256 + 32));
    net.dispose();
  });

  it('same seed, same weights; the stand-alone network starts from the super-net copies and computes the same logits', () => {
    const arch = ['nor_conv_3x3', 'skip_connect', 'nor_conv_1x1', 'avg_pool_3x3', 'none', 'nor_conv_3x3'];
    const a = createNb201Supernet(TINY);
    const b = createNb201Supernet(TINY);
    const c = createNb201Supernet({ ...TINY, seed: 2 });
    const alone = createNb201Network(arch, TINY);
    const wa = a.getWeights();
    const wb = b.getWeights();
    const wc = c.getWeights();
    const wAlone = alone.getWeights();
    for (const key of Object.keys(wa)) expect(wb[key]).toEqual(wa[key]);
    expect(wc['stem.conv']).not.toEqual(wa['stem.conv']);
    for (const [key, values] of Object.entries(wAlone)) expect(values).toEqual(wa[key]);
    const x = tf.randomNormal([4, 8, 8, 3], 0, 1, 'float32', 4) as tf.Tensor4D;
    const la = a.forward(arch, x, { training: false });
    const lAlone = alone.forward(arch, x, { training: false });
    expect(Array.from(lAlone.dataSync())).toEqual(Array.from(la.dataSync()));
    tf.dispose([x, la, lAlone]);
    for (const n of [a, b, c, alone]) n.dispose();
  });

  it('getWeights / setWeights round trip reproduces the outputs; bad maps are refused', () => {
    const arch = ['nor_conv_1x1', 'nor_conv_3x3', 'skip_connect', 'none', 'avg_pool_3x3', 'nor_conv_3x3'];
    const a = createNb201Supernet(TINY);
    const b = createNb201Supernet({ ...TINY, seed: 9 });
    const x = tf.randomNormal([4, 8, 8, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
    const weights = a.getWeights();
    b.setWeights(weights);
    weights['stem.conv']?.fill(0); // the network must not alias the caller's arrays
    const la = a.forward(arch, x, { training: true });
    const lb = b.forward(arch, x, { training: true });
    expect(Array.from(lb.dataSync())).toEqual(Array.from(la.dataSync()));
    expect(() => b.setWeights({ nope: new Float32Array(1) }, { allowMissing: true })).toThrow(InvalidArgumentError);
    expect(() => b.setWeights({ 'stem.conv': new Float32Array(3) }, { allowMissing: true })).toThrow(/stem\.conv/);
    expect(() => b.setWeights({ 'stem.conv': new Float32Array(3 * 3 * 3 * 4) })).toThrow(/missing/);
    tf.dispose([x, la, lb]);
    a.dispose();
    b.dispose();
    expect(() => a.allVariables()).toThrow(InvalidArgumentError);
  });
});

describe('NB201 gradients', () => {
  // Finite differences through several ReLU + small-batch BN layers are dominated by ReLU kinks at
  // any step float32 can resolve, so the whole-network check probes weights of the last stage (one
  // ReLU layer downstream); the earlier stages' backward ops (stride-2 / padded convs, BN, the
  // exclude-pad average pool) are checked one by one in layers.test.ts.
  it('match central finite differences on a conv op path of the super-net', () => {
    const net = createNb201Supernet({ channels: 4, cells: 1, classes: 3, seed: 3 });
    const arch = ['nor_conv_3x3', 'none', 'none', 'nor_conv_1x1', 'avg_pool_3x3', 'none'];
    const x = tf.randomNormal([4, 8, 8, 3], 0, 1, 'float32', 6) as tf.Tensor4D;
    const y = tf.tensor1d([0, 1, 2, 1], 'int32');
    const loss = (): tf.Scalar => softmaxCrossEntropy(net.forward(arch, x, { training: true }), y);
    const keys = [
      'stage3.cell0.edge3.nor_conv_1x1.conv',
      'stage3.cell0.edge0.nor_conv_3x3.conv',
      'stage3.cell0.edge0.nor_conv_3x3.bn.gamma',
      'classifier.weight',
    ];
    const vars = keys.map((k) => net.allVariables().get(k) as tf.Variable);
    const { value, grads } = tf.variableGrads(loss, vars);
    const analytic = vars.map((v) => (grads[v.name] as tf.Tensor).dataSync().slice());
    tf.dispose([value, ...Object.values(grads)]);
    const evalLoss = (): number => {
      const l = tf.tidy(loss);
      const out = l.dataSync()[0] ?? NaN;
      l.dispose();
      return out;
    };
    const h = 1e-2;
    let nonZero = 0;
    vars.forEach((v, vi) => {
      const original = v.dataSync().slice();
      for (const index of [1, 7, 14, original.length - 1]) {
        const probe = (delta: number): number => {
          const w = original.slice();
          w[index] = (w[index] ?? 0) + delta;
          tf.tidy(() => v.assign(tf.tensor(w, v.shape)));
          return evalLoss();
        };
        const numeric = (probe(h) - probe(-h)) / (2 * h);
        const exact = analytic[vi]?.[index] ?? NaN;
        expect(Math.abs(numeric - exact), `${keys[vi] ?? ''}[${index}]`).toBeLessThan(1e-3 + 3e-2 * Math.abs(exact));
        if (Math.abs(exact) > 1e-3) nonZero++;
      }
      tf.tidy(() => v.assign(tf.tensor(original, v.shape)));
    });
    expect(nonZero).toBeGreaterThanOrEqual(12);
    tf.dispose([x, y]);
    net.dispose();
  });
});
